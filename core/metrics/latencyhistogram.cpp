// SPDX-License-Identifier: MIT
#include "metrics/latencyhistogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace dualscope::metrics {

int LatencyHistogram::bucketOf(quint64 value)
{
    if (value < kSubBuckets)
        return static_cast<int>(value);
    const int magnitude = std::bit_width(value) - kSubBits; // >= 1
    const auto sub = static_cast<int>((value >> (magnitude - 1)) & (kSubBuckets - 1));
    return magnitude * kSubBuckets + sub;
}

qint64 LatencyHistogram::upperEdgeOf(int bucket)
{
    const int magnitude = bucket / kSubBuckets;
    const int sub = bucket % kSubBuckets;
    if (magnitude == 0)
        return sub;
    const quint64 base = quint64(1) << (magnitude + kSubBits - 1);
    const quint64 width = quint64(1) << (magnitude - 1);
    return static_cast<qint64>(base + (quint64(sub) + 1) * width - 1);
}

void LatencyHistogram::record(qint64 micros)
{
    micros = std::max<qint64>(micros, 0);
    ++m_buckets[bucketOf(static_cast<quint64>(micros))];
    m_min = m_count == 0 ? micros : std::min(m_min, micros);
    m_max = std::max(m_max, micros);
    m_sum += micros;
    ++m_count;
}

void LatencyHistogram::merge(const LatencyHistogram &other)
{
    if (other.m_count == 0)
        return;
    for (int i = 0; i < kBucketCount; ++i)
        m_buckets[i] += other.m_buckets[i];
    m_min = m_count == 0 ? other.m_min : std::min(m_min, other.m_min);
    m_max = std::max(m_max, other.m_max);
    m_count += other.m_count;
    m_sum += other.m_sum;
}

void LatencyHistogram::reset()
{
    *this = LatencyHistogram();
}

qint64 LatencyHistogram::percentile(double percent) const
{
    if (m_count == 0)
        return 0;
    percent = std::clamp(percent, 0.0, 100.0);
    const auto rank =
        std::max<qint64>(1, static_cast<qint64>(std::ceil(percent / 100.0 * m_count)));
    qint64 seen = 0;
    for (int i = 0; i < kBucketCount; ++i) {
        seen += m_buckets[i];
        if (seen >= rank)
            return std::clamp(upperEdgeOf(i), m_min, m_max);
    }
    return m_max;
}

QList<std::pair<int, qint64>> LatencyHistogram::buckets() const
{
    QList<std::pair<int, qint64>> out;
    for (int i = 0; i < kBucketCount; ++i) {
        if (m_buckets[i] > 0)
            out.append({i, m_buckets[i]});
    }
    return out;
}

std::optional<LatencyHistogram>
LatencyHistogram::fromBuckets(const QList<std::pair<int, qint64>> &buckets, qint64 min, qint64 max,
                              qint64 sum)
{
    LatencyHistogram histogram;
    for (const auto &[index, count] : buckets) {
        if (index < 0 || index >= kBucketCount || count < 0)
            return std::nullopt;
        histogram.m_buckets[index] += count;
        histogram.m_count += count;
    }
    if (histogram.m_count == 0)
        return LatencyHistogram();
    // min and max must fall in the lowest and highest non-empty buckets.
    int lowest = 0;
    while (histogram.m_buckets[lowest] == 0)
        ++lowest;
    int highest = kBucketCount - 1;
    while (histogram.m_buckets[highest] == 0)
        --highest;
    if (min < 0 || max < min || bucketOf(quint64(min)) != lowest ||
        bucketOf(quint64(max)) != highest)
        return std::nullopt;
    if (sum < min * histogram.m_count || sum > max * histogram.m_count)
        return std::nullopt;
    histogram.m_min = min;
    histogram.m_max = max;
    histogram.m_sum = sum;
    return histogram;
}

const char *LatencyHistogram::scheme()
{
    return "log2-16/us";
}

} // namespace dualscope::metrics
