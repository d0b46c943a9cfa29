// SPDX-License-Identifier: MIT
#include "gap/detectorbenchmark.h"

#include "event/event.h"
#include "gap/gapdetector.h"

#include <QElapsedTimer>
#include <cstdio>
#include <ctime>
#include <vector>

namespace dualscope::gap {

namespace {

// Events generated per timed slice: the inputs of a slice are built while the
// clock is stopped, which keeps memory flat (2M events at once would need ~1 GB).
constexpr qint64 kSliceEvents = 65'536;
// The simulated publish rate: 50 events per ms (50k/s), a busy real system.
constexpr qint64 kEventsPerMs = 50;
// advance() is called this often, as a checker's timer would at this rate.
constexpr qint64 kAdvanceEvery = 512;
constexpr qint64 kSources = 1000;
// Fixed start: 2026-11-27T15:04:05.123Z, so the runs are reproducible.
constexpr qint64 kStartMs = 1'795'791'845'123;

// A deterministic UUID-shaped id: as long as a real one, without QUuid's cost.
QByteArray idFor(qint64 n)
{
    quint64 x = quint64(n) * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
    x ^= x >> 31;
    const quint64 y = x * 0xBF58476D1CE4E5B9ull;
    char text[37];
    std::snprintf(text, sizeof text, "%08x-%04x-4%03x-%04x-%012llx", unsigned(x >> 32),
                  unsigned(x >> 16) & 0xffff, unsigned(x) & 0xfff, unsigned(0x8000 | (y >> 50)),
                  (unsigned long long)(y & 0xffffffffffffull));
    return QByteArray(text, 36);
}

qint64 threadCpuNanos()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return qint64(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

enum class Step : quint8 { Kafka, Redis, Advance };

struct Slice
{
    std::vector<KafkaObservation> records;
    std::vector<RedisObservation> notifications;
    std::vector<std::pair<Step, qint64>> steps; // what to feed, in order; index or time
};

void buildSlice(Slice *slice, qint64 first, qint64 count, qint64 dropEvery,
                const std::vector<QByteArray> &channels)
{
    slice->records.clear();
    slice->notifications.clear();
    slice->steps.clear();
    for (qint64 n = first; n < first + count; ++n) {
        const qint64 source = n % kSources;
        const QByteArray id = idFor(n);
        const qint64 ts = kStartMs + n / kEventsPerMs;
        const QByteArray sourceId = "user-" + QByteArray::number(source);
        QByteArray value;
        value.reserve(240);
        value += "{\"id\":\"" + id +
                 "\",\"type\":\"order.created\",\"source_type\":\"user\","
                 "\"source_id\":\"" +
                 sourceId + "\",\"timestamp\":\"" + event::formatTimestamp(ts) +
                 "\",\"payload\":{\"seq\":" + QByteArray::number(n) +
                 ",\"amount\":42,\"currency\":\"EUR\",\"note\":\"order " + QByteArray::number(n) +
                 " from " + sourceId + "\"}}";
        slice->records.push_back({qint32(source % 6), n / 6, ts, sourceId, std::move(value)});
        const bool dropped = dropEvery > 0 && (n + 1) % dropEvery == 0;
        const bool notificationFirst = n % 10 == 0;
        if (!dropped) {
            QByteArray payload = "{\"id\":\"" + id +
                                 "\",\"type\":\"order.created\",\"source_id\":\"" + sourceId +
                                 "\"}";
            slice->notifications.push_back(
                {channels[size_t(source)], "events:*", std::move(payload), ts + 1 + n % 8});
        }
        const auto recordIndex = qint64(slice->records.size()) - 1;
        const auto notificationIndex = qint64(slice->notifications.size()) - 1;
        if (!dropped && notificationFirst)
            slice->steps.push_back({Step::Redis, notificationIndex});
        slice->steps.push_back({Step::Kafka, recordIndex});
        if (!dropped && !notificationFirst)
            slice->steps.push_back({Step::Redis, notificationIndex});
        if ((n + 1) % kAdvanceEvery == 0)
            slice->steps.push_back({Step::Advance, ts});
    }
}

} // namespace

DetectorBenchResult runDetectorBenchmark(qint64 events, qint64 dropEvery)
{
    DetectorBenchResult result;
    GapDetector detector{GapDetector::Config()};
    detector.setKafkaCaughtUp(kStartMs, true);
    std::vector<QByteArray> channels;
    for (qint64 s = 0; s < kSources; ++s)
        channels.push_back("events:user:user-" + QByteArray::number(s));

    Slice slice;
    qint64 nanos = 0;
    qint64 cpuNanos = 0;
    QElapsedTimer timer;
    for (qint64 first = 0; first < events; first += kSliceEvents) {
        buildSlice(&slice, first, std::min(kSliceEvents, events - first), dropEvery, channels);
        const qint64 cpuStart = threadCpuNanos();
        timer.start();
        for (const auto &[step, value] : slice.steps) {
            switch (step) {
            case Step::Kafka:
                detector.addKafka(slice.records[size_t(value)]);
                break;
            case Step::Redis:
                detector.addRedis(slice.notifications[size_t(value)]);
                break;
            case Step::Advance:
                detector.advance(value);
                break;
            }
        }
        nanos += timer.nsecsElapsed();
        cpuNanos += threadCpuNanos() - cpuStart;
        result.observations += qint64(slice.records.size() + slice.notifications.size());
        result.peakPending = std::max(result.peakPending, detector.pendingCount());
        detector.takeGaps(); // a checker streams them out; do not let them pile up
    }
    detector.finish(kStartMs + events / kEventsPerMs + 1);
    result.counts = detector.counts();
    result.seconds = double(nanos) / 1e9;
    result.observationsPerSecond =
        result.seconds > 0 ? double(result.observations) / result.seconds : 0;
    result.cpuSeconds = double(cpuNanos) / 1e9;
    result.observationsPerCpuSecond =
        result.cpuSeconds > 0 ? double(result.observations) / result.cpuSeconds : 0;
    return result;
}

} // namespace dualscope::gap
