// SPDX-License-Identifier: MIT
#pragma once

#include "gap/gaptypes.h"

namespace dualscope::gap {

struct DetectorBenchResult
{
    qint64 observations = 0; // Kafka records + notifications fed
    double seconds = 0;      // wall time inside addKafka/addRedis/advance only
    double observationsPerSecond = 0;
    // The same span in CPU time of the calling thread: on a shared machine wall
    // time also counts the other processes, this one does not.
    double cpuSeconds = 0;
    double observationsPerCpuSecond = 0;
    qint64 peakPending = 0; // highest GapDetector::pendingCount() seen
    GapCounts counts;       // after finish()
};

// Feeds a GapDetector with `events` synthetic events (~230-byte Kafka records of
// the contract and their ~90-byte notifications, over 1000 sources) and times it
// on the calling thread. Everything is generated before the clock starts; a
// simulated clock runs at 50 events per ms, notifications arrive 1-8 ms after
// their record and every 10th arrives before it (Kafka consumer lag). With
// `dropEvery` = N > 0, every N-th notification is left out (N missing events).
// Blocks for as long as it runs; any thread.
DetectorBenchResult runDetectorBenchmark(qint64 events, qint64 dropEvery = 0);

} // namespace dualscope::gap
