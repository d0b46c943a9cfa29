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

} // namespace dualscope::metrics
