/*
 * polyopt kernel 'conv2d' from kernels/deep_learning.py:32
 * options: scheduler='pluto';tile=True;fuse='smart';parallel=True;vectorize=True
 *   S0  line 38: out[n, k, oh, ow] = 0.0
 *   S1  line 43: out[n, k, oh, ow] += wt[k, c, r, s] * inp[n, c, 2 * oh + r - 1, 2 * ow + s - 1]
 */

#include <math.h>

static inline long min(long a, long b) { return b < a ? b : a; }
static inline long max(long a, long b) { return b > a ? b : a; }

static void polyopt_conv2d_par0(long c0, long c1, const float *restrict inp, const float *restrict wt, float *restrict out, long NB, long C, long H, long W, long K, long OH, long OW)
{
  for (long c2 = 0; c2 <= min(OH - 1, H / 2); c2 += 32)
  {
    for (long c3 = 0; c3 <= min(OW - 1, W / 2); c3 += 128)
    {
      if (NB >= c0 + 32 && K >= c1 + 32 && c2 >= 32 && OH >= c2 + 32 && H >= 2 * c2 + 64 && c3 >= 128 && OW >= c3 + 128 && W >= 2 * c3 + 256)
      {
        for (long c4 = 0; c4 < C - 31; c4 += 32)
        {
          for (long c5 = c0; c5 <= c0 + 31; c5 += 1)
          {
            for (long c6 = c1; c6 <= c1 + 31; c6 += 1)
            {
              for (long c7 = c2; c7 <= c2 + 31; c7 += 1)
              {
                for (long c8 = c4; c8 <= c4 + 31; c8 += 1)
                {
                  for (long c9 = 0; c9 <= 2; c9 += 1)
                  {
                    for (long c10 = 0; c10 <= 2; c10 += 1)
                    {
                      #pragma omp simd
                      for (long c11 = c3; c11 <= c3 + 127; c11 += 1)
                      {
                        out[((c5 * K + c6) * OH + c7) * OW + c11] += wt[((c6 * C + c8) * 3 + c9) * 3 + c10] * inp[((c5 * C + c8) * H + (2 * c7 + c9 - 1)) * W + (2 * c11 + c10 - 1)];  /* S1 */
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
      if (c0 + 31 >= NB || c1 + 31 >= K || (c2 >= 32 && c2 + 31 >= OH) || (c2 >= 32 && OH >= c2 + 32 && 2 * c2 + 63 >= H) || (c2 >= 32 && OH >= c2 + 32 && H >= 2 * c2 + 64 && c3 >= 128 && c3 + 127 >= OW) || (c2 >= 32 && OH >= c2 + 32 && H >= 2 * c2 + 64 && c3 >= 128 && OW >= c3 + 128 && 2 * c3 + 255 >= W) || (c2 >= 32 && OH >= c2 + 32 && H >= 2 * c2 + 64 && c3 >= 128 && OW >= c3 + 128 && W >= 2 * c3 + 256 && C % 32 >= 1) || c2 == 0 || (OH >= c2 + 32 && H >= 2 * c2 + 64 && c3 == 0))
      {
        if (c0 + 31 >= NB)
        {
          for (long c4 = 0; c4 < C; c4 += 32)
          {
            for (long c5 = c0; c5 < NB; c5 += 1)
            {
              for (long c6 = c1; c6 <= min(K - 1, c1 + 31); c6 += 1)
              {
                for (long c7 = c2; c7 <= min(min(OH - 1, c2 + 31), H / 2); c7 += 1)
                {
                  for (long c8 = c4; c8 <= min(C - 1, c4 + 31); c8 += 1)
                  {
                    for (long c9 = max(0, -c7 + 1); c9 <= min(2, H - 2 * c7); c9 += 1)
                    {
                      for (long c10 = max(max(0, -W + 2), -OW + 2); c10 <= min(2, W - 2 * c3); c10 += 1)
                      {
                        #pragma omp simd
                        for (long c11 = max(c3, -c10 + 1); c11 <= min(min(OW - 1, c3 + 127), -c10 + (W + c10) / 2); c11 += 1)
                        {
                          out[((c5 * K + c6) * OH + c7) * OW + c11] += wt[((c6 * C + c8) * 3 + c9) * 3 + c10] * inp[((c5 * C + c8) * H + (2 * c7 + c9 - 1)) * W + (2 * c11 + c10 - 1)];  /* S1 */
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
        else
        {
          if (c1 + 31 >= K)
          {
            for (long c4 = 0; c4 < C; c4 += 32)
            {
              for (long c5 = c0; c5 <= c0 + 31; c5 += 1)
              {
                for (long c6 = c1; c6 < K; c6 += 1)
                {
                  for (long c7 = c2; c7 <= min(min(OH - 1, c2 + 31), H / 2); c7 += 1)
                  {
                    for (long c8 = c4; c8 <= min(C - 1, c4 + 31); c8 += 1)
                    {
                      for (long c9 = max(0, -c7 + 1); c9 <= min(2, H - 2 * c7); c9 += 1)
                      {
                        for (long c10 = max(max(0, -W + 2), -OW + 2); c10 <= min(2, W - 2 * c3); c10 += 1)
                        {
                          #pragma omp simd
                          for (long c11 = max(c3, -c10 + 1); c11 <= min(min(OW - 1, c3 + 127), -c10 + (W + c10) / 2); c11 += 1)
                          {
                            out[((c5 * K + c6) * OH + c7) * OW + c11] += wt[((c6 * C + c8) * 3 + c9) * 3 + c10] * inp[((c5 * C + c8) * H + (2 * c7 + c9 - 1)) * W + (2 * c11 + c10 - 1)];  /* S1 */
                          }
                        }
                      }
                    }
                  }
                }
              }
            }
          }
          else
          {
            if (c2 >= 32 && c2 + 31 >= OH)
            {
              for (long c4 = 0; c4 < C; c4 += 32)
              {
                for (long c5 = c0; c5 <= c0 + 31; c5 += 1)
                {
                  for (long c6 = c1; c6 <= c1 + 31; c6 += 1)
                  {
                    for (long c7 = c2; c7 <= min(OH - 1, H / 2); c7 += 1)
                    {
                      for (long c8 = c4; c8 <= min(C - 1, c4 + 31); c8 += 1)
                      {
                        for (long c9 = 0; c9 <= min(2, H - 2 * c7); c9 += 1)
                        {
                          for (long c10 = max(max(0, -W + 2), -OW + 2); c10 <= min(2, W - 2 * c3); c10 += 1)
                          {
                            #pragma omp simd
                            for (long c11 = max(c3, -c10 + 1); c11 <= min(min(OW - 1, c3 + 127), -c10 + (W + c10) / 2); c11 += 1)
                            {
                              out[((c5 * K + c6) * OH + c7) * OW + c11] += wt[((c6 * C + c8) * 3 + c9) * 3 + c10] * inp[((c5 * C + c8) * H + (2 * c7 + c9 - 1)) * W + (2 * c11 + c10 - 1)];  /* S1 */
                            }
                          }
                        }
                      }
                    }
                  }
                }
              }
            }
            else
            {
              if (c2 >= 32 && OH >= c2 + 32 && 2 * c2 + 63 >= H)
              {
                for (long c4 = 0; c4 < C; c4 += 32)
                {
                  for (long c5 = c0; c5 <= c0 + 31; c5 += 1)
                  {
                    for (long c6 = c1; c6 <= c1 + 31; c6 += 1)
                    {
                      for (long c7 = c2; c7 <= H / 2; c7 += 1)
                      {
                        for (long c8 = c4; c8 <= min(C - 1, c4 + 31); c8 += 1)
                        {
                          for (long c9 = 0; c9 <= min(2, H - 2 * c7); c9 += 1)
                          {
                            for (long c10 = max(max(0, -W + 2), -OW + 2); c10 <= min(2, W - 2 * c3); c10 += 1)
                            {
                              #pragma omp simd
                              for (long c11 = max(c3, -c10 + 1); c11 <= min(min(OW - 1, c3 + 127), -c10 + (W + c10) / 2); c11 += 1)
                              {
                                out[((c5 * K + c6) * OH + c7) * OW + c11] += wt[((c6 * C + c8) * 3 + c9) * 3 + c10] * inp[((c5 * C + c8) * H + (2 * c7 + c9 - 1)) * W + (2 * c11 + c10 - 1)];  /* S1 */
                              }
                            }
                          }
                        }
                      }
                    }
                  }
                }
              }
              else
              {
                if (c2 >= 32 && OH >= c2 + 32 && H >= 2 * c2 + 64 && c3 >= 128 && c3 + 127 >= OW)
                {
                  for (long c4 = 0; c4 < C; c4 += 32)
                  {
                    for (long c5 = c0; c5 <= c0 + 31; c5 += 1)
                    {
                      for (long c6 = c1; c6 <= c1 + 31; c6 += 1)
                      {
                        for (long c7 = c2; c7 <= c2 + 31; c7 += 1)
                        {
                          for (long c8 = c4; c8 <= min(C - 1, c4 + 31); c8 += 1)
                          {
                            for (long c9 = 0; c9 <= 2; c9 += 1)
                            {
                              for (long c10 = 0; c10 <= min(2, W - 2 * c3); c10 += 1)
                              {
                                #pragma omp simd
                                for (long c11 = c3; c11 <= min(OW - 1, -c10 + (W + c10) / 2); c11 += 1)
                                {
                                  out[((c5 * K + c6) * OH + c7) * OW + c11] += wt[((c6 * C + c8) * 3 + c9) * 3 + c10] * inp[((c5 * C + c8) * H + (2 * c7 + c9 - 1)) * W + (2 * c11 + c10 - 1)];  /* S1 */
                                }
                              }
                            }
                          }
                        }
                      }
                    }
                  }
                }
                else
                {
                  if (c2 >= 32 && OH >= c2 + 32 && H >= 2 * c2 + 64 && c3 >= 128 && OW >= c3 + 128 && 2 * c3 + 255 >= W)
                  {
                    for (long c4 = 0; c4 < C; c4 += 32)
                    {
                      for (long c5 = c0; c5 <= c0 + 31; c5 += 1)
                      {
                        for (long c6 = c1; c6 <= c1 + 31; c6 += 1)
                        {
                          for (long c7 = c2; c7 <= c2 + 31; c7 += 1)
                          {
                            for (long c8 = c4; c8 <= min(C - 1, c4 + 31); c8 += 1)
                            {
                              for (long c9 = 0; c9 <= 2; c9 += 1)
                              {
                                for (long c10 = 0; c10 <= min(2, W - 2 * c3); c10 += 1)
                                {
                                  #pragma omp simd
                                  for (long c11 = c3; c11 <= -c10 + (W + c10) / 2; c11 += 1)
                                  {
                                    out[((c5 * K + c6) * OH + c7) * OW + c11] += wt[((c6 * C + c8) * 3 + c9) * 3 + c10] * inp[((c5 * C + c8) * H + (2 * c7 + c9 - 1)) * W + (2 * c11 + c10 - 1)];  /* S1 */
                                  }
                                }
                              }
                            }
                          }
                        }
                      }
                    }
                  }
                  else
                  {
                    if (c2 == 0)
                    {
                      for (long c4 = 0; c4 < C; c4 += 32)
                      {
                        for (long c5 = c0; c5 <= c0 + 31; c5 += 1)
                        {
                          for (long c6 = c1; c6 <= c1 + 31; c6 += 1)
                          {
                            for (long c7 = 0; c7 <= min(min(31, OH - 1), H / 2); c7 += 1)
                            {
                              for (long c8 = c4; c8 <= min(C - 1, c4 + 31); c8 += 1)
                              {
                                for (long c9 = max(0, -c7 + 1); c9 <= min(2, H - 2 * c7); c9 += 1)
                                {
                                  for (long c10 = max(max(0, -W + 2), -OW + 2); c10 <= min(2, W - 2 * c3); c10 += 1)
                                  {
                                    #pragma omp simd
                                    for (long c11 = max(c3, -c10 + 1); c11 <= min(min(OW - 1, c3 + 127), -c10 + (W + c10) / 2); c11 += 1)
                                    {
                                      out[((c5 * K + c6) * OH + c7) * OW + c11] += wt[((c6 * C + c8) * 3 + c9) * 3 + c10] * inp[((c5 * C + c8) * H + (2 * c7 + c9 - 1)) * W + (2 * c11 + c10 - 1)];  /* S1 */
                                    }
                                  }
                                }
                              }
                            }
                          }
                        }
                      }
                    }
                    else
                    {
                      if (c3 == 0)
                      {
                        for (long c4 = 0; c4 < C; c4 += 32)
                        {
                          for (long c5 = c0; c5 <= c0 + 31; c5 += 1)
                          {
                            for (long c6 = c1; c6 <= c1 + 31; c6 += 1)
                            {
                              for (long c7 = c2; c7 <= c2 + 31; c7 += 1)
                              {
                                for (long c8 = c4; c8 <= min(C - 1, c4 + 31); c8 += 1)
                                {
                                  for (long c9 = 0; c9 <= 2; c9 += 1)
                                  {
                                    for (long c10 = max(max(0, -W + 2), -OW + 2); c10 <= min(2, W); c10 += 1)
                                    {
                                      #pragma omp simd
                                      for (long c11 = max(0, -c10 + 1); c11 <= min(min(127, OW - 1), -c10 + (W + c10) / 2); c11 += 1)
                                      {
                                        out[((c5 * K + c6) * OH + c7) * OW + c11] += wt[((c6 * C + c8) * 3 + c9) * 3 + c10] * inp[((c5 * C + c8) * H + (2 * c7 + c9 - 1)) * W + (2 * c11 + c10 - 1)];  /* S1 */
                                      }
                                    }
                                  }
                                }
                              }
                            }
                          }
                        }
                      }
                      else
                      {
                        for (long c5 = c0; c5 <= c0 + 31; c5 += 1)
                        {
                          for (long c6 = c1; c6 <= c1 + 31; c6 += 1)
                          {
                            for (long c7 = c2; c7 <= c2 + 31; c7 += 1)
                            {
                              for (long c8 = -(C % 32) + C; c8 < C; c8 += 1)
                              {
                                for (long c9 = 0; c9 <= 2; c9 += 1)
                                {
                                  for (long c10 = 0; c10 <= 2; c10 += 1)
                                  {
                                    #pragma omp simd
                                    for (long c11 = c3; c11 <= c3 + 127; c11 += 1)
                                    {
                                      out[((c5 * K + c6) * OH + c7) * OW + c11] += wt[((c6 * C + c8) * 3 + c9) * 3 + c10] * inp[((c5 * C + c8) * H + (2 * c7 + c9 - 1)) * W + (2 * c11 + c10 - 1)];  /* S1 */
                                    }
                                  }
                                }
                              }
                            }
                          }
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}

void polyopt_conv2d(const float *restrict inp, const float *restrict wt, float *restrict out, long NB, long C, long H, long W, long K, long OH, long OW)
{
  #pragma omp parallel for collapse(2) if(NB * K * OH * OW >= 16384)
  for (long c0 = 0; c0 < NB; c0 += 32)
  {
    for (long c1 = 0; c1 < K; c1 += 32)
    {
      for (long c2 = 0; c2 < OH; c2 += 32)
      {
        if (NB >= c0 + 32 && K >= c1 + 32 && OH >= c2 + 32)
        {
          for (long c3 = 0; c3 < OW - 127; c3 += 128)
          {
            for (long c4 = c0; c4 <= c0 + 31; c4 += 1)
            {
              for (long c5 = c1; c5 <= c1 + 31; c5 += 1)
              {
                for (long c6 = c2; c6 <= c2 + 31; c6 += 1)
                {
                  #pragma omp simd
                  for (long c7 = c3; c7 <= c3 + 127; c7 += 1)
                  {
                    out[((c4 * K + c5) * OH + c6) * OW + c7] = 0.0f;  /* S0 */
                  }
                }
              }
            }
          }
        }
        if (c0 + 31 >= NB || c1 + 31 >= K || c2 + 31 >= OH || OW % 128 >= 1)
        {
          if (c0 + 31 >= NB)
          {
            for (long c3 = 0; c3 < OW; c3 += 128)
            {
              for (long c4 = c0; c4 < NB; c4 += 1)
              {
                for (long c5 = c1; c5 <= min(K - 1, c1 + 31); c5 += 1)
                {
                  for (long c6 = c2; c6 <= min(OH - 1, c2 + 31); c6 += 1)
                  {
                    #pragma omp simd
                    for (long c7 = c3; c7 <= min(OW - 1, c3 + 127); c7 += 1)
                    {
                      out[((c4 * K + c5) * OH + c6) * OW + c7] = 0.0f;  /* S0 */
                    }
                  }
                }
              }
            }
          }
          else
          {
            if (c1 + 31 >= K)
            {
              for (long c3 = 0; c3 < OW; c3 += 128)
              {
                for (long c4 = c0; c4 <= c0 + 31; c4 += 1)
                {
                  for (long c5 = c1; c5 < K; c5 += 1)
                  {
                    for (long c6 = c2; c6 <= min(OH - 1, c2 + 31); c6 += 1)
                    {
                      #pragma omp simd
                      for (long c7 = c3; c7 <= min(OW - 1, c3 + 127); c7 += 1)
                      {
                        out[((c4 * K + c5) * OH + c6) * OW + c7] = 0.0f;  /* S0 */
                      }
                    }
                  }
                }
              }
            }
            else
            {
              if (c2 + 31 >= OH)
              {
                for (long c3 = 0; c3 < OW; c3 += 128)
                {
                  for (long c4 = c0; c4 <= c0 + 31; c4 += 1)
                  {
                    for (long c5 = c1; c5 <= c1 + 31; c5 += 1)
                    {
                      for (long c6 = c2; c6 < OH; c6 += 1)
                      {
                        #pragma omp simd
                        for (long c7 = c3; c7 <= min(OW - 1, c3 + 127); c7 += 1)
                        {
                          out[((c4 * K + c5) * OH + c6) * OW + c7] = 0.0f;  /* S0 */
                        }
                      }
                    }
                  }
                }
              }
              else
              {
                for (long c4 = c0; c4 <= c0 + 31; c4 += 1)
                {
                  for (long c5 = c1; c5 <= c1 + 31; c5 += 1)
                  {
                    for (long c6 = c2; c6 <= c2 + 31; c6 += 1)
                    {
                      #pragma omp simd
                      for (long c7 = -(OW % 128) + OW; c7 < OW; c7 += 1)
                      {
                        out[((c4 * K + c5) * OH + c6) * OW + c7] = 0.0f;  /* S0 */
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  #pragma omp parallel for collapse(2) if(NB * K * (H / 2 + 1) * (W / 2 + 1) * C * 3 * 3 >= 16384)
  for (long c0 = 0; c0 < NB; c0 += 32)
  {
    for (long c1 = 0; c1 < K; c1 += 32)
    {
      polyopt_conv2d_par0(c0, c1, inp, wt, out, NB, C, H, W, K, OH, OW);
    }
  }
}
