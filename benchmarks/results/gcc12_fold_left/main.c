#include <stdio.h>
void kern(double *restrict x, const double *restrict y, long N, long M);
int main(){ double x[7]={0}, y[9]; for(int i=0;i<9;i++) y[i]=i; kern(x,y,7,9); for(int i=0;i<7;i++) printf("%g ",x[i]); printf("\n"); return 0; }
