// SPDX-License-Identifier: MIT
#include "check/checkmetrics.h"

#include <QHash>
#include <exception>
#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace dualscope::check {

namespace {

// Seconds: from a millisecond (a healthy system on loopback) to half a minute
// (far past any grace window).
const prometheus::Histogram::BucketBoundaries kLatencyBuckets{
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

} // namespace

struct CheckMetrics::State
{
    std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
    std::unique_ptr<prometheus::Exposer> exposer;
    QHash<int, prometheus::Counter *> gaps;
    prometheus::Counter *kafkaEvents = nullptr;
    prometheus::Counter *redisEvents = nullptr;
    prometheus::Histogram *latency = nullptr;
    prometheus::Gauge *lag = nullptr;
    prometheus::Counter *outages = nullptr;
    prometheus::Gauge *partitions = nullptr;

    // What the counters already hold: the next update adds the difference.
    gap::GapCounts lastCounts;
    std::vector<double> lastLatencyBuckets = std::vector<double>(kLatencyBuckets.size() + 1, 0);
    qint64 lastLatencySumMicros = 0;
    qint64 lastOutages = 0;
};

CheckMetrics::CheckMetrics() : m_state(std::make_unique<State>())
{
    auto &gaps = prometheus::BuildCounter()
                     .Name("dualscope_gaps_total")
                     .Help("Verdicts of the check by kind (matched included)")
                     .Register(*m_state->registry);
    for (const gap::GapKind kind : gap::kAllGapKinds)
        m_state->gaps.insert(int(kind), &gaps.Add({{"kind", gap::kindName(kind)}}));
    auto &events = prometheus::BuildCounter()
                       .Name("dualscope_events_total")
                       .Help("Kafka records and Redis notifications the check took in")
                       .Register(*m_state->registry);
    m_state->kafkaEvents = &events.Add({{"stream", "kafka"}});
    m_state->redisEvents = &events.Add({{"stream", "redis"}});
    m_state->latency = &prometheus::BuildHistogram()
                            .Name("dualscope_delivery_latency_seconds")
                            .Help("Delivery latency of matched notifications (the system's)")
                            .Register(*m_state->registry)
                            .Add({}, kLatencyBuckets);
    m_state->lag = &prometheus::BuildGauge()
                        .Name("dualscope_checker_lag_seconds")
                        .Help("How far behind real time the checker reads its Redis subscription "
                              "(its own lag, not the system's)")
                        .Register(*m_state->registry)
                        .Add({});
    m_state->outages = &prometheus::BuildCounter()
                            .Name("dualscope_redis_outages_total")
                            .Help("Outages of the checker's own Redis subscription")
                            .Register(*m_state->registry)
                            .Add({});
    m_state->partitions = &prometheus::BuildGauge()
                               .Name("dualscope_partitions_assigned")
                               .Help("Kafka partitions this checker judges")
                               .Register(*m_state->registry)
                               .Add({});
}

CheckMetrics::~CheckMetrics() = default;

std::unique_ptr<CheckMetrics> CheckMetrics::serve(const QString &address, QString *error)
{
    std::unique_ptr<CheckMetrics> metrics(new CheckMetrics);
    try {
        // One thread: Prometheus scrapes once a second at most.
        metrics->m_state->exposer = std::make_unique<prometheus::Exposer>(address.toStdString(), 1);
    } catch (const std::exception &e) {
        *error = QStringLiteral("--metrics %1: cannot serve there (%2)")
                     .arg(address, QString::fromLocal8Bit(e.what()));
        return nullptr;
    }
    metrics->m_state->exposer->RegisterCollectable(metrics->m_state->registry);
    return metrics;
}

quint16 CheckMetrics::port() const
{
    const std::vector<int> ports = m_state->exposer->GetListeningPorts();
    return ports.empty() ? 0 : quint16(ports.front());
}

void CheckMetrics::update(const gap::GapCounts &counts, const metrics::LatencyHistogram &latency,
                          double checkerLagSeconds, qint64 outages, int partitionsAssigned)
{
    State &s = *m_state;
    for (const gap::GapKind kind : gap::kAllGapKinds) {
        const qint64 delta = counts.of(kind) - s.lastCounts.of(kind);
        if (delta > 0)
            s.gaps.value(int(kind))->Increment(double(delta));
    }
    if (counts.kafkaRecords > s.lastCounts.kafkaRecords)
        s.kafkaEvents->Increment(double(counts.kafkaRecords - s.lastCounts.kafkaRecords));
    if (counts.redisNotifications > s.lastCounts.redisNotifications)
        s.redisEvents->Increment(
            double(counts.redisNotifications - s.lastCounts.redisNotifications));
    s.lastCounts = counts;

    // Our histogram's buckets into Prometheus's, by their upper edge (a sample is
    // counted in the bucket its range ends in: at most 6.25 % high).
    std::vector<double> now(kLatencyBuckets.size() + 1, 0);
    for (const auto &[bucket, count] : latency.buckets()) {
        const double seconds = metrics::LatencyHistogram::bucketUpperEdge(bucket) / 1e6;
        size_t slot = 0;
        while (slot < kLatencyBuckets.size() && seconds > kLatencyBuckets[slot])
            ++slot;
        now[slot] += double(count);
    }
    std::vector<double> increments(now.size(), 0);
    bool any = false;
    for (size_t i = 0; i < now.size(); ++i) {
        increments[i] = std::max(0.0, now[i] - s.lastLatencyBuckets[i]);
        any = any || increments[i] > 0;
    }
    if (any)
        s.latency->ObserveMultiple(increments, (latency.sum() - s.lastLatencySumMicros) / 1e6);
    s.lastLatencyBuckets = now;
    s.lastLatencySumMicros = latency.sum();

    s.lag->Set(checkerLagSeconds);
    if (outages > s.lastOutages)
        s.outages->Increment(double(outages - s.lastOutages));
    s.lastOutages = outages;
    s.partitions->Set(partitionsAssigned);
}

} // namespace dualscope::check
