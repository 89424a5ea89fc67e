// BN254 G1 (over Fq) and G2 (over Fq2, the twist) in Jacobian coordinates, short Weierstrass with a = 0.
// Affine points use the zkey layout: x then y, each in Montgomery form; (0, 0) encodes infinity.
#pragma once
#include "field.hpp"

namespace zkp {

template <class F>
struct Affine {
  F x, y;
  bool is_inf() const { return x.is_zero() && y.is_zero(); }
  static Affine inf() { return Affine{F::zero(), F::zero()}; }
  Affine neg() const { return is_inf() ? *this : Affine{x, y.neg()}; }
};

template <class F>
struct Jac {
  F X, Y, Z;

  static Jac inf() { return Jac{F::one(), F::one(), F::zero()}; }
  bool is_inf() const { return Z.is_zero(); }
  static Jac from_affine(const Affine<F>& a) {
    if (a.is_inf()) return inf();
    return Jac{a.x, a.y, F::one()};
  }
  Jac neg() const { return Jac{X, Y.neg(), Z}; }

  // dbl-2009-l
  Jac dbl() const {
    if (is_inf()) return *this;
    F A = X.sqr();
    F B = Y.sqr();
    F C = B.sqr();
    F D = ((X + B).sqr() - A - C).dbl();
    F E = A.dbl() + A;
    F Fv = E.sqr();
    F X3 = Fv - D.dbl();
    F C8 = C.dbl().dbl().dbl();
    F Y3 = E * (D - X3) - C8;
    F Z3 = (Y * Z).dbl();
    return Jac{X3, Y3, Z3};
  }

  // madd-2007-bl: this + affine q
  Jac add_mixed(const Affine<F>& q) const {
    if (q.is_inf()) return *this;
    if (is_inf()) return from_affine(q);
    F Z1Z1 = Z.sqr();
    F U2 = q.x * Z1Z1;
    F S2 = q.y * Z * Z1Z1;
    F H = U2 - X;
    F r = (S2 - Y).dbl();
    if (H.is_zero()) {
      if (r.is_zero()) return from_affine(q).dbl();
      return inf();
    }
    F HH = H.sqr();
    F I = HH.dbl().dbl();
    F J = H * I;
    F V = X * I;
    F X3 = r.sqr() - J - V.dbl();
    F Y3 = r * (V - X3) - (Y * J).dbl();
    F Z3 = (Z + H).sqr() - Z1Z1 - HH;
    return Jac{X3, Y3, Z3};
  }

  // add-2007-bl
  Jac add(const Jac& q) const {
    if (q.is_inf()) return *this;
    if (is_inf()) return q;
    F Z1Z1 = Z.sqr();
    F Z2Z2 = q.Z.sqr();
    F U1 = X * Z2Z2;
    F U2 = q.X * Z1Z1;
    F S1 = Y * q.Z * Z2Z2;
    F S2 = q.Y * Z * Z1Z1;
    F H = U2 - U1;
    F r = (S2 - S1).dbl();
    if (H.is_zero()) {
      if (r.is_zero()) return dbl();
      return inf();
    }
    F I = H.dbl().sqr();
    F J = H * I;
    F V = U1 * I;
    F X3 = r.sqr() - J - V.dbl();
    F Y3 = r * (V - X3) - (S1 * J).dbl();
    F Z3 = ((Z + q.Z).sqr() - Z1Z1 - Z2Z2) * H;
    return Jac{X3, Y3, Z3};
  }

  Affine<F> to_affine() const {
    if (is_inf()) return Affine<F>::inf();
    F zi = Z.inv();
    F zi2 = zi.sqr();
    return Affine<F>{X * zi2, Y * zi2 * zi};
  }

  // this * k for a plain 256-bit scalar (double-and-add; used for the few blinding terms only)
  Jac mul(const uint64_t* k) const {
    Jac r = inf();
    int top = 255;
    while (top >= 0 && !((k[top / 64] >> (top % 64)) & 1)) top--;
    for (int i = top; i >= 0; i--) {
      r = r.dbl();
      if ((k[i / 64] >> (i % 64)) & 1) r = r.add(*this);
    }
    return r;
  }
};

typedef Affine<Fq> G1A;
typedef Jac<Fq> G1J;
typedef Affine<Fq2> G2A;
typedef Jac<Fq2> G2J;

}  // namespace zkp
