// SPDX-License-Identifier: MIT
#pragma once

#include <QList>
#include <QMetaType>
#include <QtGlobal>
#include <array>
#include <optional>
#include <utility>

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
    // The sum of every sample (an average, Prometheus's _sum).
    qint64 sum() const { return m_sum; }
    // The value at or below which `percent` (0..100) of the samples lie; the
    // upper edge of the bucket, clamped to the observed maximum. 0 when empty.
    qint64 percentile(double percent) const;

    // The counts of the non-empty buckets, by bucket index, lowest first: what a report
    // carries so that histograms of several checkers merge exactly.
    QList<std::pair<int, qint64>> buckets() const;
    // The histogram of buckets(), min and max as written; nullopt for an index out of
    // range, a negative count, or a min/max that contradicts the buckets.
    static std::optional<LatencyHistogram> fromBuckets(const QList<std::pair<int, qint64>> &buckets,
                                                       qint64 min, qint64 max, qint64 sum);
    // The upper edge of a bucket of buckets(), in microseconds.
    static qint64 bucketUpperEdge(int bucket) { return upperEdgeOf(bucket); }
    // The scheme of the bucket indexes, for readers: "log2-16/us".
    static const char *scheme();

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
    qint64 m_sum = 0;
};

} // namespace dualscope::metrics
Q_DECLARE_METATYPE(dualscope::metrics::LatencyHistogram)
