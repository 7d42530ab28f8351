//! Arithmetic modulo the curve's prime `p` on `N` 64-bit limbs.
//!
//! The integers are `crypto-bigint`'s: it gives the Montgomery parameters, the conversions and
//! the inversion. Multiplication, the operation a verification performs some ten thousand
//! times, is written out here — a fold for primes just below a power of two, Montgomery's
//! coarsely integrated operand scanning (Koç et al. 1996) for the others: the crate's
//! constant-time Montgomery product takes about 2.5 times as long, and a verification handles
//! only public values (the signature, the key, the document's digest), so it needs no
//! constant-time arithmetic. Signing (demo keys and test fixtures only) uses the same code.

// Limb arithmetic reads as the textbooks write it: with indices.
#![allow(clippy::needless_range_loop)]

use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
use crypto_bigint::{Odd, Uint};

#[cfg(not(target_pointer_width = "64"))]
compile_error!("the GOST arithmetic assumes 64-bit limbs");

/// A prime modulus and its constants.
///
/// Two representations: a prime just below a power of two, `p = 2^(64N) − c` with a small `c`
/// (every curve NCA RK uses, and most others), keeps elements as they are and reduces a
/// product by folding its upper half times `c` into the lower — about a third faster here;
/// any other prime uses Montgomery form (`a·R mod p`, `R = 2^(64N)`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Modulus<const N: usize> {
    params: FixedMontyParams<N>,
    p: [u64; N],
    /// `-p⁻¹ mod 2⁶⁴`.
    neg_inv: u64,
    /// `c` when `p = 2^(64N) − c` with `c < 2³²`.
    fold: Option<u64>,
}

/// An element of the field, fully reduced (in Montgomery form unless the modulus folds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fe<const N: usize>(pub(crate) [u64; N]);

#[inline(always)]
fn mac(a: u64, b: u64, c: u64, carry: u64) -> (u64, u64) {
    let t = u128::from(a) * u128::from(b) + u128::from(c) + u128::from(carry);
    (t as u64, (t >> 64) as u64)
}

#[inline(always)]
fn adc(a: u64, b: u64, carry: u64) -> (u64, u64) {
    let t = u128::from(a) + u128::from(b) + u128::from(carry);
    (t as u64, (t >> 64) as u64)
}

/// `a - b - borrow`; the borrow out is 0 or 1.
#[inline(always)]
fn sbb(a: u64, b: u64, borrow: u64) -> (u64, u64) {
    let (d, o1) = a.overflowing_sub(b);
    let (d, o2) = d.overflowing_sub(borrow);
    (d, u64::from(o1 | o2))
}

impl<const N: usize> Modulus<N> {
    /// `None` when `p` is even (no prime curve modulus is).
    pub(crate) fn new(p: Uint<N>) -> Option<Self> {
        let odd = Odd::new(p).into_option()?;
        let params = FixedMontyParams::new_vartime(odd);
        let words = *p.as_words();
        let fold = (words[1..].iter().all(|&w| w == u64::MAX) && words[0] > u64::MAX - (1 << 32))
            .then(|| words[0].wrapping_neg());
        Some(Self {
            p: words,
            neg_inv: params.mod_neg_inv().0,
            params,
            fold,
        })
    }

    pub(crate) fn modulus(&self) -> Uint<N> {
        Uint::from_words(self.p)
    }

    /// `x` as an element (`x` must be below `p`; callers check).
    pub(crate) fn element(&self, x: &Uint<N>) -> Fe<N> {
        if self.fold.is_some() {
            return Fe(*x.as_words());
        }
        Fe(*FixedMontyForm::new(x, &self.params)
            .as_montgomery()
            .as_words())
    }

    pub(crate) fn value(&self, a: &Fe<N>) -> Uint<N> {
        if self.fold.is_some() {
            return Uint::from_words(a.0);
        }
        FixedMontyForm::from_montgomery(Uint::from_words(a.0), &self.params).retrieve()
    }

    pub(crate) fn zero(&self) -> Fe<N> {
        Fe([0; N])
    }

    pub(crate) fn one(&self) -> Fe<N> {
        if self.fold.is_some() {
            let mut one = [0; N];
            one[0] = 1;
            return Fe(one);
        }
        Fe(*self.params.one().as_words())
    }

    /// The product `a·b mod p` (in the modulus's representation).
    #[inline]
    pub(crate) fn mul(&self, a: &Fe<N>, b: &Fe<N>) -> Fe<N> {
        match self.fold {
            Some(c) => self.fold_product(&product(a, b), c),
            None => self.montgomery(a, b),
        }
    }

    #[inline]
    pub(crate) fn square(&self, a: &Fe<N>) -> Fe<N> {
        match self.fold {
            Some(c) => self.fold_product(&square_wide(a), c),
            None => self.montgomery(a, a),
        }
    }

    /// `t mod p` for a product `t < p²` when `p = 2^(64N) − c`: `2^(64N) ≡ c`, so the upper
    /// half times `c` is added to the lower half, twice, then `p` subtracted once if needed.
    #[inline(always)]
    fn fold_product(&self, t: &[u64; 16], c: u64) -> Fe<N> {
        let mut r = [0u64; N];
        let mut carry = 0;
        for i in 0..N {
            (r[i], carry) = mac(t[N + i], c, t[i], carry);
        }
        // carry·2^(64N) ≡ carry·c (< 2^64 since carry, c < 2^32).
        let mut k = carry * c;
        for limb in r.iter_mut() {
            let (s, o) = limb.overflowing_add(k);
            *limb = s;
            k = u64::from(o);
            if k == 0 {
                break;
            }
        }
        if k != 0 {
            // Wrapped past 2^(64N) once more: add c again (the sum is now tiny).
            let mut k2 = c;
            for limb in r.iter_mut() {
                let (s, o) = limb.overflowing_add(k2);
                *limb = s;
                k2 = u64::from(o);
                if k2 == 0 {
                    break;
                }
            }
        }
        self.reduce_once(r, 0)
    }

    /// Montgomery product `a·b·R⁻¹ mod p`.
    #[inline]
    fn montgomery(&self, a: &Fe<N>, b: &Fe<N>) -> Fe<N> {
        // t has N + 2 limbs; kept as a window over the running sum.
        let mut t = [0u64; N];
        let mut t_n = 0u64;
        for i in 0..N {
            let mut c = 0;
            for j in 0..N {
                (t[j], c) = mac(a.0[j], b.0[i], t[j], c);
            }
            let (s, t_n1) = adc(t_n, c, 0);
            t_n = s;
            let m = t[0].wrapping_mul(self.neg_inv);
            let (_, mut c) = mac(m, self.p[0], t[0], 0);
            for j in 1..N {
                (t[j - 1], c) = mac(m, self.p[j], t[j], c);
            }
            let (s, c2) = adc(t_n, c, 0);
            t[N - 1] = s;
            t_n = t_n1 + c2;
        }
        self.reduce_once(t, t_n)
    }

    /// `t + carry·2^(64N)` (below `2p`) minus `p` when it is at least `p`.
    #[inline(always)]
    fn reduce_once(&self, t: [u64; N], carry: u64) -> Fe<N> {
        let mut r = [0u64; N];
        let mut borrow = 0;
        for j in 0..N {
            (r[j], borrow) = sbb(t[j], self.p[j], borrow);
        }
        let (_, borrow) = sbb(carry, 0, borrow);
        if borrow == 0 {
            Fe(r)
        } else {
            Fe(t)
        }
    }

    #[inline]
    pub(crate) fn add(&self, a: &Fe<N>, b: &Fe<N>) -> Fe<N> {
        let mut t = [0u64; N];
        let mut c = 0;
        for j in 0..N {
            (t[j], c) = adc(a.0[j], b.0[j], c);
        }
        self.reduce_once(t, c)
    }

    #[inline]
    pub(crate) fn sub(&self, a: &Fe<N>, b: &Fe<N>) -> Fe<N> {
        let mut t = [0u64; N];
        let mut borrow = 0;
        for j in 0..N {
            (t[j], borrow) = sbb(a.0[j], b.0[j], borrow);
        }
        if borrow != 0 {
            let mut c = 0;
            for j in 0..N {
                (t[j], c) = adc(t[j], self.p[j], c);
            }
        }
        Fe(t)
    }

    #[inline]
    pub(crate) fn neg(&self, a: &Fe<N>) -> Fe<N> {
        self.sub(&self.zero(), a)
    }

    #[inline]
    pub(crate) fn double(&self, a: &Fe<N>) -> Fe<N> {
        self.add(a, a)
    }

    /// The inverse (of a non-zero element), in variable time.
    pub(crate) fn invert(&self, a: &Fe<N>) -> Option<Fe<N>> {
        if self.fold.is_some() {
            let odd = Odd::new(Uint::from_words(self.p)).into_option()?;
            let inv = Uint::from_words(a.0)
                .invert_odd_mod_vartime(&odd)
                .into_option()?;
            return Some(Fe(*inv.as_words()));
        }
        let m = FixedMontyForm::from_montgomery(Uint::from_words(a.0), &self.params);
        let inv = m.invert_vartime().into_option()?;
        Some(Fe(*inv.as_montgomery().as_words()))
    }

    pub(crate) fn is_zero(a: &Fe<N>) -> bool {
        a.0.iter().all(|&l| l == 0)
    }
}

/// The full product of two elements (`2N` limbs of the 16 kept).
#[inline(always)]
fn product<const N: usize>(a: &Fe<N>, b: &Fe<N>) -> [u64; 16] {
    let mut t = [0u64; 16];
    for i in 0..N {
        let mut c = 0;
        for j in 0..N {
            (t[i + j], c) = mac(a.0[i], b.0[j], t[i + j], c);
        }
        t[i + N] = c;
    }
    t
}

/// The full square: each cross product once, doubled, then the diagonal.
#[inline(always)]
fn square_wide<const N: usize>(a: &Fe<N>) -> [u64; 16] {
    let mut t = [0u64; 16];
    for i in 0..N {
        let mut c = 0;
        for j in (i + 1)..N {
            (t[i + j], c) = mac(a.0[i], a.0[j], t[i + j], c);
        }
        t[i + N] = c;
    }
    let mut top = 0;
    for limb in t.iter_mut().take(2 * N) {
        let next = *limb >> 63;
        *limb = (*limb << 1) | top;
        top = next;
    }
    let mut c = 0;
    for i in 0..N {
        let sq = u128::from(a.0[i]) * u128::from(a.0[i]);
        let (lo, c1) = adc(t[2 * i], sq as u64, c);
        let (hi, c2) = adc(t[2 * i + 1], (sq >> 64) as u64, c1);
        t[2 * i] = lo;
        t[2 * i + 1] = hi;
        c = c2;
    }
    t
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crypto_bigint::U256;

    #[test]
    fn products_match_the_crates_own() {
        // id-tc26-gost-3410-2012-256-paramSetB's prime (folds) and paramSetC's (Montgomery).
        for hex in [
            "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97",
            "8000000000000000000000000000000000000000000000000000000000000C99",
        ] {
            check_against_the_crate(U256::from_be_hex(hex));
        }
    }

    fn check_against_the_crate(p: U256) {
        let m = Modulus::new(p).unwrap_or_else(|| unreachable!());
        let params = FixedMontyParams::new_vartime(Odd::new(p).unwrap());
        let nz = crypto_bigint::NonZero::new(p).unwrap();
        let mut x =
            U256::from_be_hex("1234567890ABCDEF1234567890ABCDEF1234567890ABCDEF1234567890ABCDEF");
        let y = p.wrapping_sub(&U256::ONE);
        for _ in 0..100 {
            let ours = m.value(&m.mul(&m.element(&x), &m.element(&y)));
            let theirs =
                (FixedMontyForm::new(&x, &params) * FixedMontyForm::new(&y, &params)).retrieve();
            assert_eq!(ours, theirs);
            let sum = m.value(&m.add(&m.element(&x), &m.element(&y)));
            assert_eq!(sum, x.add_mod(&y, &nz));
            let diff = m.value(&m.sub(&m.element(&x), &m.element(&y)));
            assert_eq!(diff, x.sub_mod(&y, &nz));
            let inv = m.invert(&m.element(&x)).unwrap_or_else(|| unreachable!());
            assert_eq!(m.mul(&inv, &m.element(&x)), m.one());
            let sq = m.value(&m.square(&m.element(&x)));
            assert_eq!(sq, (FixedMontyForm::new(&x, &params).square()).retrieve());
            x = ours;
        }
    }
}
