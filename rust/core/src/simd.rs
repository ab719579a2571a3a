//! Wider vector instructions where the CPU has them, chosen at run time.
//!
//! Wheels are built for the x86-64 baseline (SSE2), which lacks 32-bit vector multiply and
//! unsigned minimum: MinHash's inner loop (`a * h + b`, then `min`) runs 3-6x faster when
//! compiled for AVX2, which nearly every x86-64 CPU since 2013 has. The results are the same
//! bits either way (integer arithmetic).

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
