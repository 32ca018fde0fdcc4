package panface.tensor.cpu.conv;

import panface.tensor.backend.Conv2dParams;

/**
 * The reference convolution: the definition summed in double, one output (or gradient) element
 * at a time, with no blocking, tiling or threads. The float kernels ({@link ConvKernels}) are
 * checked against it; it is not on any hot path.
 */
final class ConvReference {
    private ConvReference() {
    }

    /** The input position of output position oq for tap k, or -1 where it is padding. */
    private static int at(int oq, int k, int stride, int pad, int dil, int size) {
        int i = oq * stride - pad + k * dil;
        return i >= 0 && i < size ? i : -1;
    }

    /** y (n, o, ho, wo) = conv(x (n, c, h, w), weight (o, c/groups, kh, kw)). */
    static double[] forward(double[] x, double[] wt, ConvShape s) {
        Conv2dParams p = s.p();
        double[] y = new double[s.n() * s.o() * s.l()];
        for (int n = 0; n < s.n(); n++) {
            for (int o = 0; o < s.o(); o++) {
                int g = o / s.og();
                for (int oy = 0; oy < s.ho(); oy++) {
                    for (int ox = 0; ox < s.wo(); ox++) {
                        double acc = 0;
                        for (int ci = 0; ci < s.cg(); ci++) {
                            for (int ki = 0; ki < p.kh(); ki++) {
                                int iy = at(oy, ki, p.sh(), p.ph(), p.dh(), s.h());
                                for (int kj = 0; kj < p.kw(); kj++) {
                                    int ix = at(ox, kj, p.sw(), p.pw(), p.dw(), s.w());
                                    if (iy >= 0 && ix >= 0) {
                                        acc += wt[((o * s.cg() + ci) * p.kh() + ki) * p.kw() + kj]
                                                * x[((n * s.c() + g * s.cg() + ci) * s.h() + iy) * s.w() + ix];
                                    }
                                }
                            }
                        }
                        y[((n * s.o() + o) * s.ho() + oy) * s.wo() + ox] = acc;
                    }
                }
            }
        }
        return y;
    }

    /** The gradient of x from gy (n, o, ho, wo). */
    static double[] backwardInput(double[] gy, double[] wt, ConvShape s) {
        Conv2dParams p = s.p();
        double[] gx = new double[s.n() * s.c() * s.hw()];
        for (int n = 0; n < s.n(); n++) {
            for (int o = 0; o < s.o(); o++) {
                int g = o / s.og();
                for (int oy = 0; oy < s.ho(); oy++) {
                    for (int ox = 0; ox < s.wo(); ox++) {
                        double d = gy[((n * s.o() + o) * s.ho() + oy) * s.wo() + ox];
                        for (int ci = 0; ci < s.cg(); ci++) {
                            for (int ki = 0; ki < p.kh(); ki++) {
                                int iy = at(oy, ki, p.sh(), p.ph(), p.dh(), s.h());
                                for (int kj = 0; kj < p.kw(); kj++) {
                                    int ix = at(ox, kj, p.sw(), p.pw(), p.dw(), s.w());
                                    if (iy >= 0 && ix >= 0) {
                                        gx[((n * s.c() + g * s.cg() + ci) * s.h() + iy) * s.w() + ix] += d
                                                * wt[((o * s.cg() + ci) * p.kh() + ki) * p.kw() + kj];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return gx;
    }

    /** The gradient of the weight from gy and x, summed over the images. */
    static double[] backwardWeight(double[] gy, double[] x, ConvShape s) {
        Conv2dParams p = s.p();
        double[] gw = new double[s.o() * s.kg()];
        for (int n = 0; n < s.n(); n++) {
            for (int o = 0; o < s.o(); o++) {
                int g = o / s.og();
                for (int oy = 0; oy < s.ho(); oy++) {
                    for (int ox = 0; ox < s.wo(); ox++) {
                        double d = gy[((n * s.o() + o) * s.ho() + oy) * s.wo() + ox];
                        for (int ci = 0; ci < s.cg(); ci++) {
                            for (int ki = 0; ki < p.kh(); ki++) {
                                int iy = at(oy, ki, p.sh(), p.ph(), p.dh(), s.h());
                                for (int kj = 0; kj < p.kw(); kj++) {
                                    int ix = at(ox, kj, p.sw(), p.pw(), p.dw(), s.w());
                                    if (iy >= 0 && ix >= 0) {
                                        gw[((o * s.cg() + ci) * p.kh() + ki) * p.kw() + kj] += d
                                                * x[((n * s.c() + g * s.cg() + ci) * s.h() + iy) * s.w() + ix];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return gw;
    }
}
