//! Points of a short Weierstrass curve `y² = x³ + ax + b` over the field of [`super::field`],
//! in Jacobian coordinates (`x = X/Z²`, `y = Y/Z³`), and the two multiplications a GOST
//! verification needs: the fixed base point by a table of its multiples (computed once per
//! curve), and the signer's key by a width-5 non-adjacent form.
//!
//! Formulas: Bernstein and Lange's Explicit-Formulas Database, "dbl-2001-b" (a = −3),
//! "dbl-2007-bl", "add-2007-bl" and "madd-2007-bl".

use super::field::{Fe, Modulus};
use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
use crypto_bigint::{NonZero, Odd, Uint};
use std::sync::OnceLock;

/// A point in affine coordinates (not the point at infinity).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Affine<const N: usize> {
    pub(crate) x: Fe<N>,
    pub(crate) y: Fe<N>,
}

/// A point in Jacobian coordinates; `Z = 0` is the point at infinity.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Jacobian<const N: usize> {
    x: Fe<N>,
    y: Fe<N>,
    z: Fe<N>,
}

/// Window of the fixed-base table: the base point's multiples `j·256ⁱ·G`.
const TABLE_BITS: usize = 8;
/// Width of the non-adjacent form of the signer's key multiplier.
const WNAF: usize = 5;

/// A curve with its base point of prime order `q`.
pub(crate) struct Curve<const N: usize> {
    pub(crate) name: &'static str,
    pub(crate) f: Modulus<N>,
    a: Fe<N>,
    a_is_minus_3: bool,
    b: Fe<N>,
    pub(crate) q: Uint<N>,
    q_params: FixedMontyParams<N>,
    pub(crate) g: Affine<N>,
    table: OnceLock<Vec<Affine<N>>>,
}

impl<const N: usize> Curve<N> {
    /// The curve from its constants in big-endian hex. Fails (`None`) on constants that do not
    /// describe a curve with its base point on it.
    pub(crate) fn new(
        name: &'static str,
        p: &str,
        a: &str,
        b: &str,
        q: &str,
        gx: &str,
        gy: &str,
    ) -> Option<Self> {
        let f = Modulus::new(Uint::<N>::from_be_hex(p))?;
        let qv = Uint::<N>::from_be_hex(q);
        let q_params = FixedMontyParams::new_vartime(Odd::new(qv).into_option()?);
        let fe = |h: &str| f.element(&Uint::<N>::from_be_hex(h));
        let a = fe(a);
        let minus_3 = f.neg(&f.add(&f.double(&f.one()), &f.one()));
        let g = Affine {
            x: fe(gx),
            y: fe(gy),
        };
        let c = Self {
            name,
            a_is_minus_3: a == minus_3,
            a,
            b: fe(b),
            q: qv,
            q_params,
            g,
            f,
            table: OnceLock::new(),
        };
        c.on_curve(&g).then_some(c)
    }

    /// Whether `(x, y)` satisfies the curve's equation.
    pub(crate) fn on_curve(&self, p: &Affine<N>) -> bool {
        let f = &self.f;
        let y2 = f.square(&p.y);
        let x3 = f.mul(&f.square(&p.x), &p.x);
        let rhs = f.add(&f.add(&x3, &f.mul(&self.a, &p.x)), &self.b);
        y2 == rhs
    }

    fn infinity(&self) -> Jacobian<N> {
        Jacobian {
            x: self.f.one(),
            y: self.f.one(),
            z: self.f.zero(),
        }
    }

    fn is_infinity(p: &Jacobian<N>) -> bool {
        Modulus::is_zero(&p.z)
    }

    fn lift(&self, p: &Affine<N>) -> Jacobian<N> {
        Jacobian {
            x: p.x,
            y: p.y,
            z: self.f.one(),
        }
    }

    pub(crate) fn to_affine(&self, p: &Jacobian<N>) -> Option<Affine<N>> {
        let f = &self.f;
        let zi = f.invert(&p.z)?;
        let zi2 = f.square(&zi);
        Some(Affine {
            x: f.mul(&p.x, &zi2),
            y: f.mul(&p.y, &f.mul(&zi2, &zi)),
        })
    }

    fn double(&self, p: &Jacobian<N>) -> Jacobian<N> {
        let f = &self.f;
        if Self::is_infinity(p) || Modulus::is_zero(&p.y) {
            return self.infinity();
        }
        if self.a_is_minus_3 {
            // dbl-2001-b: 3M + 5S.
            let delta = f.square(&p.z);
            let gamma = f.square(&p.y);
            let beta = f.mul(&p.x, &gamma);
            let t = f.mul(&f.sub(&p.x, &delta), &f.add(&p.x, &delta));
            let alpha = f.add(&f.double(&t), &t);
            let beta4 = f.double(&f.double(&beta));
            let x3 = f.sub(&f.square(&alpha), &f.double(&beta4));
            let z3 = f.sub(&f.sub(&f.square(&f.add(&p.y, &p.z)), &gamma), &delta);
            let g2 = f.square(&gamma);
            let g8 = f.double(&f.double(&f.double(&g2)));
            let y3 = f.sub(&f.mul(&alpha, &f.sub(&beta4, &x3)), &g8);
            Jacobian {
                x: x3,
                y: y3,
                z: z3,
            }
        } else {
            // dbl-2007-bl: 1M + 8S + 1·a.
            let xx = f.square(&p.x);
            let yy = f.square(&p.y);
            let yyyy = f.square(&yy);
            let zz = f.square(&p.z);
            let s = f.double(&f.sub(&f.sub(&f.square(&f.add(&p.x, &yy)), &xx), &yyyy));
            let m = f.add(&f.add(&f.double(&xx), &xx), &f.mul(&self.a, &f.square(&zz)));
            let t = f.sub(&f.square(&m), &f.double(&s));
            let y8 = f.double(&f.double(&f.double(&yyyy)));
            let y3 = f.sub(&f.mul(&m, &f.sub(&s, &t)), &y8);
            let z3 = f.sub(&f.sub(&f.square(&f.add(&p.y, &p.z)), &yy), &zz);
            Jacobian { x: t, y: y3, z: z3 }
        }
    }

    /// add-2007-bl: 11M + 5S.
    fn add(&self, p: &Jacobian<N>, q: &Jacobian<N>) -> Jacobian<N> {
        let f = &self.f;
        if Self::is_infinity(p) {
            return *q;
        }
        if Self::is_infinity(q) {
            return *p;
        }
        let z1z1 = f.square(&p.z);
        let z2z2 = f.square(&q.z);
        let u1 = f.mul(&p.x, &z2z2);
        let u2 = f.mul(&q.x, &z1z1);
        let s1 = f.mul(&f.mul(&p.y, &q.z), &z2z2);
        let s2 = f.mul(&f.mul(&q.y, &p.z), &z1z1);
        let h = f.sub(&u2, &u1);
        let r = f.double(&f.sub(&s2, &s1));
        if Modulus::is_zero(&h) {
            return if Modulus::is_zero(&r) {
                self.double(p)
            } else {
                self.infinity()
            };
        }
        let i = f.square(&f.double(&h));
        let j = f.mul(&h, &i);
        let v = f.mul(&u1, &i);
        let x3 = f.sub(&f.sub(&f.square(&r), &j), &f.double(&v));
        let y3 = f.sub(&f.mul(&r, &f.sub(&v, &x3)), &f.double(&f.mul(&s1, &j)));
        let z3 = f.mul(
            &f.sub(&f.sub(&f.square(&f.add(&p.z, &q.z)), &z1z1), &z2z2),
            &h,
        );
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// madd-2007-bl (the second point affine): 7M + 4S.
    fn add_affine(&self, p: &Jacobian<N>, q: &Affine<N>) -> Jacobian<N> {
        let f = &self.f;
        if Self::is_infinity(p) {
            return self.lift(q);
        }
        let z1z1 = f.square(&p.z);
        let u2 = f.mul(&q.x, &z1z1);
        let s2 = f.mul(&f.mul(&q.y, &p.z), &z1z1);
        let h = f.sub(&u2, &p.x);
        let r = f.double(&f.sub(&s2, &p.y));
        if Modulus::is_zero(&h) {
            return if Modulus::is_zero(&r) {
                self.double(p)
            } else {
                self.infinity()
            };
        }
        let hh = f.square(&h);
        let i = f.double(&f.double(&hh));
        let j = f.mul(&h, &i);
        let v = f.mul(&p.x, &i);
        let x3 = f.sub(&f.sub(&f.square(&r), &j), &f.double(&v));
        let y3 = f.sub(&f.mul(&r, &f.sub(&v, &x3)), &f.double(&f.mul(&p.y, &j)));
        let z3 = f.sub(&f.sub(&f.square(&f.add(&p.z, &h)), &z1z1), &hh);
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    fn negate(&self, p: &Jacobian<N>) -> Jacobian<N> {
        Jacobian {
            y: self.f.neg(&p.y),
            ..*p
        }
    }

    /// Affine copies of many points with one inversion (Montgomery's trick). Every point
    /// must be finite.
    fn batch_affine(&self, points: &[Jacobian<N>]) -> Option<Vec<Affine<N>>> {
        let f = &self.f;
        let mut prefix = Vec::with_capacity(points.len());
        let mut acc = f.one();
        for p in points {
            prefix.push(acc);
            acc = f.mul(&acc, &p.z);
        }
        let mut inv = f.invert(&acc)?;
        let mut out = vec![self.g; points.len()];
        for (i, p) in points.iter().enumerate().rev() {
            let zi = f.mul(&inv, &prefix[i]);
            inv = f.mul(&inv, &p.z);
            let zi2 = f.square(&zi);
            out[i] = Affine {
                x: f.mul(&p.x, &zi2),
                y: f.mul(&p.y, &f.mul(&zi2, &zi)),
            };
        }
        Some(out)
    }

    /// `j·256ⁱ·G` for every window `i` and `j = 1..=255`, at index `i·255 + j − 1`.
    fn table(&self) -> &[Affine<N>] {
        self.table.get_or_init(|| {
            let windows = (64 * N).div_ceil(TABLE_BITS);
            let per = (1 << TABLE_BITS) - 1;
            let mut points = Vec::with_capacity(windows * per);
            let mut base = self.lift(&self.g);
            for _ in 0..windows {
                let mut p = base;
                for _ in 0..per {
                    points.push(p);
                    p = self.add(&p, &base);
                }
                // p is now 256·base.
                base = p;
            }
            // G has prime order q > 2^(64N-3) on every curve here, so no multiple below
            // 2^(64N) vanishes but multiples of q, which a window cannot reach.
            self.batch_affine(&points).unwrap_or_default()
        })
    }

    /// `k·G` with the fixed-base table: one addition per 8 bits of `k`.
    pub(crate) fn mul_base(&self, k: &Uint<N>) -> Jacobian<N> {
        let table = self.table();
        let per = (1 << TABLE_BITS) - 1;
        let mut acc = self.infinity();
        if table.is_empty() {
            return self.mul_var(k, &self.g);
        }
        let bytes = k.to_le_bytes();
        for (i, &byte) in bytes.as_ref().iter().enumerate() {
            if byte != 0 {
                acc = self.add_affine(&acc, &table[i * per + usize::from(byte) - 1]);
            }
        }
        acc
    }

    /// `k·P` for any point `P`, by the width-5 non-adjacent form of `k`.
    pub(crate) fn mul_var(&self, k: &Uint<N>, p: &Affine<N>) -> Jacobian<N> {
        let digits = wnaf(k.as_words(), WNAF);
        // P, 3P, 5P, …, 15P.
        let p1 = self.lift(p);
        let p2 = self.double(&p1);
        let mut odd = Vec::with_capacity(1 << (WNAF - 2));
        odd.push(p1);
        for i in 1..(1 << (WNAF - 2)) {
            let next = self.add(&odd[i - 1], &p2);
            odd.push(next);
        }
        let mut acc = self.infinity();
        for &d in digits.iter().rev() {
            acc = self.double(&acc);
            if d > 0 {
                acc = self.add(&acc, &odd[(d as usize) / 2]);
            } else if d < 0 {
                acc = self.add(&acc, &self.negate(&odd[(-d as usize) / 2]));
            }
        }
        acc
    }

    /// `k₁·G + k₂·P`.
    pub(crate) fn mul_add(&self, k1: &Uint<N>, k2: &Uint<N>, p: &Affine<N>) -> Jacobian<N> {
        self.add(&self.mul_base(k1), &self.mul_var(k2, p))
    }

    /// `x mod q` of a finite point, as an integer.
    pub(crate) fn x_mod_q(&self, p: &Jacobian<N>) -> Option<Uint<N>> {
        if Self::is_infinity(p) {
            return None;
        }
        let a = self.to_affine(p)?;
        let x = self.f.value(&a.x);
        let q = NonZero::new(self.q).into_option()?;
        Some(x.rem_vartime(&q))
    }

    /// Arithmetic modulo `q`.
    pub(crate) fn mod_q(&self, x: &Uint<N>) -> FixedMontyForm<N> {
        FixedMontyForm::new(x, &self.q_params)
    }
}

/// The width-`w` non-adjacent form of the little-endian integer `k`: digits odd, below
/// `2^(w−1)` in absolute value, any `w` consecutive ones with at most one non-zero; the
/// digit at index `i` weighs `2ⁱ`.
fn wnaf(k: &[u64], w: usize) -> Vec<i32> {
    let bits = 64 * k.len();
    let bit = |i: usize| -> u32 {
        if i >= bits {
            0
        } else {
            ((k[i / 64] >> (i % 64)) & 1) as u32
        }
    };
    let mut out = vec![0i32; bits + 1];
    let mut carry = 0u32;
    let mut i = 0;
    while i < bits {
        if bit(i) == carry {
            i += 1;
            continue;
        }
        let now = w.min(bits - i);
        let mut word = carry;
        for j in 0..now {
            word += bit(i + j) << j;
        }
        carry = (word >> (w - 1)) & 1;
        out[i] = word as i32 - ((carry << w) as i32);
        i += now;
    }
    out[bits] = carry as i32;
    out
}

#[cfg(test)]
mod tests {
    use super::wnaf;

    #[test]
    fn non_adjacent_form_adds_up_to_the_number() {
        for k in [
            0u64,
            1,
            2,
            3,
            15,
            16,
            31,
            0xdead_beef,
            u64::MAX,
            u64::MAX - 7,
        ] {
            let words = [k, k.rotate_left(17), u64::MAX];
            let digits = wnaf(&words, 5);
            // Re-add the digits as a 192-bit number (with room for the top carry).
            let mut acc = [0i128; 4];
            for (i, &d) in digits.iter().enumerate() {
                acc[i / 64] += i128::from(d) << (i % 64);
            }
            let mut words_back = [0u64; 4];
            let mut carry = 0i128;
            for i in 0..4 {
                let v = acc[i] + carry;
                words_back[i] = v as u64;
                carry = v >> 64;
            }
            assert_eq!(&words_back[..3], &words, "{k:x}");
            assert!(digits
                .iter()
                .all(|d| *d == 0 || (d % 2 != 0 && d.abs() < 16)));
        }
    }
}
