// Entry point of the dashboard bundle (scripts/build-dashboard.mjs → dist/dashboard/app.js).
import { render } from "preact";
import { App } from "./app.js";

render(<App />, document.getElementById("app")!);
