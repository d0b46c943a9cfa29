// SPDX-License-Identifier: MIT
#pragma once

#include "gap/gaptypes.h"
#include "metrics/latencyhistogram.h"

#include <QString>
#include <memory>

namespace dualscope::check {

// A long watch's numbers in the Prometheus text exposition, served over HTTP by
// prometheus-cpp (its civetweb server, on threads of its own) at /metrics:
//   dualscope_gaps_total{kind}            counter, one series per kind
//   dualscope_events_total{stream}        counter, kafka records and redis notifications
//   dualscope_delivery_latency_seconds    histogram of matched notifications
//   dualscope_checker_lag_seconds         gauge, how far behind the checker reads Redis
//   dualscope_redis_outages_total         counter of the checker's own outages
//   dualscope_partitions_assigned         gauge
// update() may be called from any one thread at a time; the server reads concurrently
// (prometheus-cpp's metrics are atomic).
class CheckMetrics final
{
public:
    // Binds host:port (port 0: any free one); null and *error when it cannot.
    static std::unique_ptr<CheckMetrics> serve(const QString &address, QString *error);
    ~CheckMetrics();
    CheckMetrics(const CheckMetrics &) = delete;
    CheckMetrics &operator=(const CheckMetrics &) = delete;

    quint16 port() const;
    // The totals so far: the counters move by the difference to the last update.
    void update(const gap::GapCounts &counts, const metrics::LatencyHistogram &latency,
                double checkerLagSeconds, qint64 outages, int partitionsAssigned);

private:
    CheckMetrics();
    struct State;
    std::unique_ptr<State> m_state;
};

} // namespace dualscope::check
