// SPDX-License-Identifier: MIT
#pragma once

#include "event/channeltemplate.h"
#include "gap/gaptypes.h"
#include "metrics/latencyhistogram.h"

#include <QList>
#include <functional>
#include <limits>
#include <memory>

namespace dualscope::gap {

// Matches the Kafka stream against the Redis stream by event id and reports the
// gaps of docs/design.md's table. Kafka is the truth. Plain class driven by fake or
// real time through its arguments (no clock, no event loop): one thread at a time
// may call it; a QObject shell owns it on the checker's worker thread.
//
// Time: every `nowMs` is the checker's wall clock, ms since the epoch, and must
// not go backwards. advance(now) promises that every observation received before
// `now` has been added; windows are judged against the observations' own times
// (record timestamp, receivedMs), so when advance() runs does not change a verdict.
//
// Time of a notification: its deliveredMs (when Redis had queued it for the checker
// at the latest), not when the checker read it: a checker that reads late makes
// neither `late` nor `missing` of it.
//
// Choices where docs/design.md is silent (see also the .cpp):
// - A verdict is revised once: a notification that arrives after its event was
//   judged `missing` (or `unobserved`) turns it `matched` and `late` (or
//   `wrong_channel`); the gap carries `revises`. One that arrives after the grace
//   window before any verdict is `matched` and `late` at once. So `late` is a
//   subset of `matched`, always.
// - Ids are remembered for 2 x grace after their verdict, so that later copies are
//   `duplicate`; ids judged missing or unobserved much longer (Config::
//   missingMemoryMs, at most maxRememberedMissing of them), so that a replay
//   minutes later revises them. A notification of a forgotten id is an `orphan`
//   whose detail names the part of Kafka that was read, never "not in Kafka".
// - The window: after closeWindow(end), records stamped after `end` and
//   notifications delivered after it that belong to no event of the window are
//   outside (counted, never judged); a notification of a window event still counts.
// - `key_spread` is reported once per Kafka key seen on a second partition;
//   `reordered` once per notification that came, on its channel, in another order
//   than its record's offset among the last notifications of that partition.
// - A Kafka record repeating an id already in memory is a `duplicate` gap (detail:
//   "the Kafka record repeats ...") and not a new event.
// - `oversized` is a flag: over maxNotificationBytes, or carrying a payload (a
//   top-level "payload" member, or any top-level object/array member that is not
//   on a mapped notification pointer: ids are scalars). The notification is still
//   judged (matched, wrong_channel, ...) as usual.
class GapDetector
{
public:
    struct Config
    {
        qint64 graceMs = 2000;
        qint64 lateMs = 1000;
        qint64 maxNotificationBytes = 1024;
        event::ChannelTemplate channelTemplate = event::ChannelTemplate::defaultTemplate();
        FieldMapping mapping;
        // A hard memory cap: beyond it the oldest remembered ids are forgotten
        // first, then the oldest pending notifications are dropped (counted in
        // GapCounts::droppedNotifications) and the oldest pending Kafka events are
        // judged `unobserved` (the checker could not keep watching them).
        qint64 maxPendingEntries = 5'000'000;
        // When the checker's subscription first became active. A Kafka event whose
        // window [ts, ts + grace] starts earlier (read "from beginning") cannot be
        // judged: `unobserved`. The default judges everything.
        qint64 observedSinceMs = std::numeric_limits<qint64>::min();
        // Records stamped before this are context, not events of the window: read so
        // that a notification of one is known (outside the window), never an orphan,
        // and never judged themselves. A check from the end reads a little of the
        // topic's past for this. The default: none.
        qint64 contextBeforeMs = std::numeric_limits<qint64>::min();
        // How long ids judged missing or unobserved are remembered, so that a late
        // notification or a replay revises the verdict instead of making an orphan;
        // and at most how many (the oldest go first).
        qint64 missingMemoryMs = 10 * 60'000;
        qint64 maxRememberedMissing = 250'000;
        // A consumer group member's map from a channel to the partition whose owner
        // keeps its notifications. When set, an event whose expected channel maps to
        // another partition than its record's is `unobserved`, not missing: its
        // notification went to another member (the producer partitions differently,
        // or its key is not the source id).
        std::function<qint32(const QByteArray &channel)> partitionOfChannel = {};
        // Matches are counted, not listed; a live view asks for the newest ones:
        // takeMatches() returns at most this many since its last call (the older
        // ones of a burst are let go). 0: none are kept.
        qsizetype reportNewestMatches = 0;
    };

    // Everything that would make the detector misbehave: invalid pointers, a
    // non-positive grace, negative thresholds or cap. The error says which.
    static bool validate(const Config &config, QString *error);

    // `config` should pass validate(); an invalid id pointer makes every
    // observation `unparseable` with a detail naming the pointer.
    explicit GapDetector(Config config);
    ~GapDetector();
    GapDetector(const GapDetector &) = delete;
    GapDetector &operator=(const GapDetector &) = delete;

    const Config &config() const;

    void addKafka(const KafkaObservation &record);
    void addRedis(const RedisObservation &notification);

    // The Kafka tail reached the high watermark (true) or fell behind (false) at
    // nowMs. Orphans are judged only against a caught-up moment at least grace
    // after the notification was received. The state is sticky: while caught up,
    // each advance(now) counts as a caught-up moment, so a quiet topic still gets
    // its orphans judged; the tail calls (now, false) when it sees lag again.
    void setKafkaCaughtUp(qint64 nowMs, bool caughtUp);

    // Everything appended to the topic before readUpToMs has been read (the tail's
    // clock): a caught-up moment for the orphan judgement, without waiting for an
    // end-of-partition that never comes while traffic flows.
    void setKafkaReadUpTo(qint64 readUpToMs);
    // The Kafka tail started at the end of the topic at this moment: a notification
    // delivered before it plus the grace window may belong to a record from before
    // its start, so it is never an orphan (counted outside the window instead).
    void setKafkaReadsFrom(qint64 startedAtMs);
    // The tail found records it could not read (retention deleted them first): a
    // notification delivered up to this moment plus the grace window may be of one of
    // them, so it is never an orphan (counted unjudged instead).
    void kafkaRecordsLost(qint64 noticedAtMs);

    // A consumer group member's ownership. From atMs this checker owns `partition`: a
    // record of it stamped before atMs that gets no notification is `unobserved` (the
    // notification may have gone to the member that owned it then), and a notification
    // mapped to it (RedisObservation::partition) delivered before atMs + grace without a
    // record is not judged (its record may be one the previous owner read).
    void partitionAssigned(qint32 partition, qint64 atMs);
    // The partition went to another member; every record of it appended before
    // readUpToMs had been read (the Kafka clock then). A notification mapped to it that
    // finds no record is not judged unless its grace window ended before readUpToMs
    // (else its record may be one the next owner reads). Records read still get their
    // verdicts. A notification mapped to it that comes later counts only for a record
    // read before: any other is the next owner's, not counted here at all.
    void partitionRevoked(qint32 partition, qint64 readUpToMs);

    // The checker's own subscription went down / came back. Kafka events whose
    // window overlaps a down period are `unobserved`, not `missing`.
    void redisSubscriptionDown(qint64 nowMs, const QString &cause);
    void redisSubscriptionUp(qint64 nowMs);

    // Judges what the grace window allows and forgets what the memory window
    // allows; gaps go to the list takeGaps() drains.
    void advance(qint64 nowMs);
    // The window ends at endMs: from now on, records stamped later and notifications
    // delivered later that match no event of the window are outside it.
    void closeWindow(qint64 endMs);

    // End of the check window: every pending entry is judged, as advance(now +
    // grace) would with Kafka caught up. Observations may still follow (they are
    // judged as usual) but counts are final only after the last finish().
    void finish(qint64 nowMs);
    // The end of a check, on what the checker has really read: the Redis clock
    // (advance's) and the Kafka clock. Events whose grace window the Redis clock
    // did not pass are `unobserved` (the check ended before it could tell), and
    // notifications the Kafka clock cannot judge are counted unjudged, not orphans.
    void finishAt(qint64 redisReadUpToMs, qint64 kafkaReadUpToMs);

    // Gaps since the last call (matched events are counted, never listed).
    QList<Gap> takeGaps();
    // The newest matches since the last call, oldest first, at most
    // Config::reportNewestMatches of them.
    QList<MatchedEvent> takeMatches();
    GapCounts counts() const;
    // Where the event of this id stands: a hash lookup, for tracing one event.
    // Judged events are known for as long as they are remembered (3 x grace, or the
    // missing memory); after that, and before anything of it was read, NotSeen.
    EventStatus statusOf(const QByteArray &id) const;
    // Matched notifications only, microseconds, receivedMs - record timestamp
    // clamped at 0.
    const metrics::LatencyHistogram &latency() const;
    QList<RedisOutage> outages() const;
    // Ids held in memory: pending Kafka events and notifications plus the ids
    // remembered for duplicates. Back to 0 once advance() passed 3 x grace after
    // the last observation (grace to judge, 2 x grace to remember).
    qint64 pendingCount() const;

private:
    struct State;
    std::unique_ptr<State> m_state;
};

} // namespace dualscope::gap
