// SPDX-License-Identifier: MIT
#pragma once

#include <QMetaType>
#include <QtGlobal>
#include <array>

namespace dualscope::metrics {

// Latency distribution in microseconds with bounded memory and O(1) recording.
// Log-linear buckets: 16 sub-buckets per power of two, so any percentile is
// within 1/16 (6.25 %) of the true value. Written here rather than taken from a
// library because Debian 12 packages no C/C++ HdrHistogram. Plain class, not
// thread-safe: one owner records, others get copies.
class LatencyHistogram
{
public:
    void record(qint64 micros);
    void merge(const LatencyHistogram &other);
    void reset();

    qint64 count() const { return m_count; }
    qint64 max() const { return m_max; }
    qint64 min() const { return m_count ? m_min : 0; }
    // The value at or below which `percent` (0..100) of the samples lie; the
    // upper edge of the bucket, clamped to the observed maximum. 0 when empty.
    qint64 percentile(double percent) const;

private:
    static constexpr int kSubBits = 4;
    static constexpr int kSubBuckets = 1 << kSubBits;
    // 64 magnitudes of 16 sub-buckets each cover every qint64 value.
    static constexpr int kBucketCount = 64 * kSubBuckets;

    static int bucketOf(quint64 value);
    static qint64 upperEdgeOf(int bucket);

    std::array<qint64, kBucketCount> m_buckets{};
    qint64 m_count = 0;
    qint64 m_max = 0;
    qint64 m_min = 0;
};

} // namespace dualscope::metrics
Q_DECLARE_METATYPE(dualscope::metrics::LatencyHistogram)
