// Tool calls over chat templates: OpenAI-style tools rendered for the model, its reply parsed back into calls, and
// grammars that force valid calls (tool_choice "required" / a named function) or keep them out ("none").
export {
  prepareToolCalls,
  assistantMessage,
  controlTokenLookup,
  callIdGenerator,
  type ToolDefinition,
  type ToolChoice,
  type ToolCall,
  type InvalidToolCall,
  type ParsedReply,
  type ToolCallOptions,
  type ToolCallPlan,
} from "./tool-calls.js";
export { detectToolCallFormat, parseToolCallReply, writeToolCalls, TOOL_CALL_FORMATS, type ToolCallFormat, type RawToolCall } from "./tool-formats.js";
export { toolCallGbnf, compileToolGrammar, type ToolGrammarMode, type ToolGrammarOptions } from "./tool-grammar.js";
export { renderWithTools, templateToolCaps, toolSystemPrompt, type TemplateToolCaps } from "./tool-render.js";
