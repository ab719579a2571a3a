//! Wider vector instructions where the CPU has them, chosen at run time.
//!
//! Wheels are built for the x86-64 baseline (SSE2), which lacks 32-bit vector multiply and
//! unsigned minimum: MinHash's inner loop (`a * h + b`, then `min`) runs 3-6x faster when
//! compiled for AVX2, which nearly every x86-64 CPU since 2013 has, and about twice that again
//! with AVX-512 (16 lanes of 32 bits instead of 8) where the CPU has it. The results are the
//! same bits either way (integer arithmetic).

/// Whether this CPU runs AVX2 code (checked once, then cached by the standard library).
#[cfg(target_arch = "x86_64")]
#[inline]
pub fn has_avx2() -> bool {
    std::arch::is_x86_feature_detected!("avx2")
}

/// Run `f` compiled with AVX2 enabled: `f` should be `#[inline(always)]` code, which is then
/// generated again inside this function with AVX2 instructions.
///
/// Call only after [`has_avx2`] returned true.
#[cfg(target_arch = "x86_64")]
#[inline]
#[allow(unsafe_code)]
pub fn with_avx2<R>(f: impl FnOnce() -> R) -> R {
    #[target_feature(enable = "avx2")]
    fn run<R>(f: impl FnOnce() -> R) -> R {
        f()
    }
    assert!(has_avx2(), "with_avx2 called on a CPU without AVX2");
    // SAFETY: the only requirement of calling a `target_feature` function is that the CPU has
    // the feature, which the assertion above has just checked.
    unsafe { run(f) }
}

/// Whether this CPU runs AVX-512 (foundation) code.
#[cfg(target_arch = "x86_64")]
#[inline]
pub fn has_avx512() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
}

/// Run `f` compiled with AVX-512 (foundation) enabled, as [`with_avx2`] does for AVX2.
///
/// Call only after [`has_avx512`] returned true.
#[cfg(target_arch = "x86_64")]
#[inline]
#[allow(unsafe_code)]
pub fn with_avx512<R>(f: impl FnOnce() -> R) -> R {
    #[target_feature(enable = "avx512f")]
    fn run<R>(f: impl FnOnce() -> R) -> R {
        f()
    }
    assert!(has_avx512(), "with_avx512 called on a CPU without AVX-512");
    // SAFETY: the only requirement of calling a `target_feature` function is that the CPU has
    // the feature, which the assertion above has just checked.
    unsafe { run(f) }
}

/// Whether this CPU runs AVX-512 code with 64-bit lane multiplies (foundation and DQ).
#[cfg(target_arch = "x86_64")]
#[inline]
pub fn has_avx512dq() -> bool {
    std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("avx512dq")
}

/// Run `f` compiled with AVX-512 foundation and DQ (64-bit lane multiply) enabled, as [`with_avx2`]
/// does for AVX2: hashing eight shingles at once.
///
/// Call only after [`has_avx512dq`] returned true.
#[cfg(target_arch = "x86_64")]
#[inline]
#[allow(unsafe_code)]
pub fn with_avx512dq<R>(f: impl FnOnce() -> R) -> R {
    #[target_feature(enable = "avx512f,avx512dq")]
    fn run<R>(f: impl FnOnce() -> R) -> R {
        f()
    }
    assert!(has_avx512dq(), "with_avx512dq called on a CPU without AVX-512 DQ");
    // SAFETY: the only requirement of calling a `target_feature` function is that the CPU has
    // the features, which the assertion above has just checked.
    unsafe { run(f) }
}

