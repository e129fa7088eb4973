/* Memory read bandwidth of this machine (not a test): sums a 1 GiB buffer on N threads, best of 5 — the "read bandwidth"
   line of BENCHMARKS.md "Machine". Usage: gcc -O3 -march=native -o /tmp/read-bw scripts/read-bandwidth.c -lpthread && /tmp/read-bw 2 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#define N (1UL<<30)
static unsigned char *buf;
static int nth;
static double sums[8];
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
static void *run(void *a){long id=(long)a; size_t per=N/nth; const unsigned long *p=(const unsigned long*)(buf+id*per); size_t n=per/8; unsigned long s0=0,s1=0,s2=0,s3=0; for(size_t i=0;i<n;i+=4){s0+=p[i];s1+=p[i+1];s2+=p[i+2];s3+=p[i+3];} sums[id]=(double)(s0+s1+s2+s3); return 0;}
int main(int c,char**v){nth=atoi(v[1]);buf=aligned_alloc(4096,N);for(size_t i=0;i<N;i+=64)buf[i]=(unsigned char)rand();double best=1e9;for(int r=0;r<5;r++){pthread_t t[8];double t0=now();for(long i=0;i<nth;i++)pthread_create(&t[i],0,run,(void*)i);for(int i=0;i<nth;i++)pthread_join(t[i],0);double dt=now()-t0;if(dt<best)best=dt;}printf("%d threads: %.1f GB/s (%g)\n",nth,N/best/1e9,sums[0]);return 0;}
