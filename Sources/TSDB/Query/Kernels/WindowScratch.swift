/// Reusable buffers for `WindowKernel`: allocate one per worker and pass it to every evaluation, so a
/// query over many series allocates only when a window outgrows every window seen before.
///
/// Not thread-safe and not reentrant: one evaluation at a time (do not call `WindowKernel` with the
/// same scratch from inside an `emit` callback).
public final class WindowScratch {
    @usableFromInline var samples: SampleWindowBuffer
    @usableFromInline var dequeSeqs: ScratchArray<Int>
    @usableFromInline var dequeValues: ScratchArray<Double>
    @usableFromInline var sortedValues: ScratchArray<Double>
    @usableFromInline var evictedValues: ScratchArray<Double>

    /// Creates buffers sized for windows of about `expectedWindowSamples` samples (they grow on demand).
    public init(expectedWindowSamples: Int = 256) {
        let c = Swift.max(16, expectedWindowSamples * 2)
        samples = SampleWindowBuffer(capacity: c)
        dequeSeqs = ScratchArray(capacity: c)
        dequeValues = ScratchArray(capacity: c)
        sortedValues = ScratchArray(capacity: c)
        evictedValues = ScratchArray(capacity: 64)
    }

    deinit {
        samples.deallocate()
        dequeSeqs.deallocate()
        dequeValues.deallocate()
        sortedValues.deallocate()
        evictedValues.deallocate()
    }
}
