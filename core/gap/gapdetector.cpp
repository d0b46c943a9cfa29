// SPDX-License-Identifier: MIT
#include "gap/gapdetector.h"

#include "event/event.h"
#include "gap/chunkedslab.h"
#include "gap/forgottenids.h"
#include "gap/observationreader.h"

#include <QHash>
#include <QSet>
#include <algorithm>
#include <cstring>
#include <deque>
#include <vector>

namespace dualscope::gap {

namespace {

using Value = ObservationReader::Value;

// Verdicts are remembered this many grace windows so that late copies are
// `duplicate`; long enough for a retrying publisher, short enough to bound memory.
constexpr qint64 kRememberGraces = 2;
// Distinct expected channels kept for sharing (one allocation per channel instead
// of one per event); cleared when full, so a week of new sources stays bounded.
constexpr qsizetype kChannelCacheLimit = 65'536;
constexpr qsizetype kReservedIds = 1 << 18;
// Kafka keys whose partition is remembered for key_spread; beyond, new keys are not
// checked (a week of new sources stays bounded).
constexpr qsizetype kMaxTrackedKeys = 100'000;
// A key already reported as spread.
constexpr qint32 kKeyReported = -2;
// Per channel, the last notifications whose order is compared with the next one:
// enough to see a swap between concurrent publishers, cheap to scan.
constexpr qsizetype kOrderMemory = 16;
constexpr qsizetype kMaxOrderedChannels = 10'000;
constexpr qint64 kNoEnd = std::numeric_limits<qint64>::max();

QString isoTime(qint64 ms)
{
    return QString::fromLatin1(event::formatTimestamp(ms));
}

// Ids are UUID-like strings of ~36 bytes looked up several times per event. Qt
// 6.4's qHash(QByteArray) (SipHash on a baseline x86-64 build) showed up at ~10 %
// of the detector's time, so ids get a cheap multiply-xorshift hash, computed
// once per key and kept in it: probing compares the stored hashes first and reads
// the bytes (a cache miss each) only on a real match. The process-wide QHash seed
// goes in, so a crafted id set cannot aim at fixed buckets.
quint64 hashBytes(const char *p, qsizetype n)
{
    constexpr quint64 kMul1 = 0xbf58476d1ce4e5b9ull;
    constexpr quint64 kMul2 = 0x94d049bb133111ebull;
    static const quint64 seed = quint64(QHashSeed::globalSeed());
    quint64 h = seed ^ (quint64(n) * 0x9e3779b97f4a7c15ull);
    for (; n >= 8; p += 8, n -= 8) {
        quint64 v;
        std::memcpy(&v, p, 8);
        h = (h ^ v) * kMul1;
        h ^= h >> 29;
    }
    quint64 tail = 0;
    std::memcpy(&tail, p, size_t(n));
    h = (h ^ tail) * kMul2;
    h ^= h >> 32;
    h *= kMul1;
    h ^= h >> 29;
    return h;
}

struct IdKey
{
    QByteArray bytes;
    quint64 hash;

    IdKey(const QByteArray &b) : bytes(b), hash(hashBytes(b.constData(), b.size())) {}
    friend bool operator==(const IdKey &a, const IdKey &b)
    {
        return a.hash == b.hash && a.bytes == b.bytes;
    }
};

size_t qHash(const IdKey &key, size_t seed) noexcept
{
    return size_t(key.hash) ^ seed;
}

enum class Stage : quint8 {
    AwaitingNotification, // Kafka record seen, no notification yet
    AwaitingKafka,        // notification seen first (Kafka consumer lag)
    Judged,               // verdict given; remembered for late copies
};

enum class Verdict : quint8 { None, Matched, WrongChannel, Missing, Unobserved, Orphan };

struct Entry
{
    QByteArray id;
    QByteArray expectedChannel; // empty when the template could not be expanded
    QByteArray channel;         // of the first notification
    qint64 kafkaTsMs = -1;
    qint64 offset = -1;
    qint64 redisTsMs = -1;   // of the first notification: when the checker read it
    qint64 deliveredMs = -1; // of the first notification: when Redis had it queued
    quint64 arrival = 0;     // of the first notification, in the order they came
    quint64 seq = 0;         // matches the one live queue item of this entry
    qint32 partition = -1;
    qint32 channelPartition = -1; // of a notification, by its channel (group mode)
    quint32 slot = 0;             // where the slab holds it (for the queues' items)
    quint32 copies = 0;           // notifications seen
    Stage stage = Stage::AwaitingNotification;
    Verdict verdict = Verdict::None;
    bool haveKafka = false;
    bool inUse = false;           // a slot of the slab holding an entry
    bool inMissingMemory = false; // remembered as missing/unobserved (the long memory)
    bool afterWindow = false;     // a notification delivered after the window's end
    bool context = false;         // a record from before the window: known, not judged
    bool mayBeForgotten = false;  // its id may be one the memory cap forgot early
};

// A matched notification, as the order check remembers it.
struct Arrival
{
    quint64 arrival = 0;
    qint32 partition = -1;
    qint64 offset = -1;
    QByteArray id;
};

// A deadline in one of the time-ordered queues, pointing at a slab slot. The entry
// may have moved on since (matched, forgotten, the slot reused): `seq` tells a live
// item from a stale one without a hash lookup, so the map is never scanned and
// stale items simply fall out at the front.
struct Due
{
    qint64 atMs;
    quint64 seq;
    quint32 slot;
};

struct DueLater
{
    bool operator()(const Due &a, const Due &b) const { return a.atMs > b.atMs; }
};

} // namespace

struct GapDetector::State
{
    explicit State(Config c) : config(std::move(c)), reader(config.mapping)
    {
        // Room for a busy window up front (50k events/s x 3 grace windows at the
        // default 2 s is ~300k ids) instead of rehashing on the hot path: ~1 MB of
        // buckets; the nodes themselves are allocated as ids come.
        index.reserve(kReservedIds);
    }

    QByteArray intern(const QByteArray &channel)
    {
        const auto it = channelCache.constFind(channel);
        if (it != channelCache.cend())
            return it->bytes;
        if (channelCache.size() >= kChannelCacheLimit)
            channelCache.clear();
        QByteArray copy(channel.constData(), channel.size()); // never share the scratch buffer
        channelCache.insert(copy);
        return copy;
    }

    void fillKafka(Entry &entry, const KafkaObservation &record, const Value &root)
    {
        entry.haveKafka = true;
        entry.partition = record.partition;
        entry.offset = record.offset;
        entry.kafkaTsMs = record.timestampMs;
        reader.kafkaFields(root, &scratchEvent);
        QString error;
        if (config.channelTemplate.expand(scratchEvent, &scratchChannel, &error)) {
            entry.expectedChannel = intern(scratchChannel);
            channelProblems.remove(entry.slot);
        } else {
            entry.expectedChannel.clear();
            channelProblems.insert(
                entry.slot,
                QStringLiteral("no expected channel (channel not checked): %1").arg(error));
        }
    }

    Gap gapFor(GapKind kind, const QByteArray &id, const Entry &entry) const
    {
        Gap gap;
        gap.kind = kind;
        gap.id = id;
        if (entry.haveKafka) {
            gap.partition = entry.partition;
            gap.offset = entry.offset;
            gap.kafkaTsMs = entry.kafkaTsMs;
            gap.expectedChannel = entry.expectedChannel;
        }
        gap.channel = entry.channel;
        gap.redisTsMs = entry.redisTsMs;
        return gap;
    }

    void emitGap(Gap gap, const Entry *entry = nullptr)
    {
        if (entry) {
            const auto problem = channelProblems.constFind(entry->slot);
            if (problem != channelProblems.cend())
                gap.detail += QLatin1String(gap.detail.isEmpty() ? "" : "; ") + *problem;
        }
        ++counts.of(gap.kind);
        gaps.append(std::move(gap));
    }

    // Why the window [ts, ts + grace] could not be observed, or empty.
    // The text is built once per cause and shared by its gaps (an outage makes
    // thousands of them: one string, not thousands).
    QString unobservedReason(qint64 kafkaTsMs, qint32 partition)
    {
        if (kafkaTsMs < config.observedSinceMs) {
            if (olderReason.isEmpty())
                olderReason = QStringLiteral("the record is older than the checker's Redis "
                                             "subscription (active since %1)")
                                  .arg(isoTime(config.observedSinceMs));
            return olderReason;
        }
        if (!assignedAtMs.isEmpty()) {
            const auto assigned = assignedAtMs.constFind(partition);
            if (assigned != assignedAtMs.cend() && kafkaTsMs < *assigned) {
                return QStringLiteral("partition %1 was assigned to this checker at %2: its "
                                      "notification may have gone to the checker that owned "
                                      "it before")
                    .arg(partition)
                    .arg(isoTime(*assigned));
            }
        }
        const qint64 windowEnd = kafkaTsMs + config.graceMs;
        for (qsizetype i = outages.size() - 1; i >= 0; --i) {
            const RedisOutage &outage = outages.at(i);
            if (outage.startMs <= windowEnd && (outage.endMs < 0 || outage.endMs >= kafkaTsMs)) {
                if (outageReasonIndex != i || outageReasonEnd != outage.endMs) {
                    outageReasonIndex = i;
                    outageReasonEnd = outage.endMs;
                    outageReason =
                        QStringLiteral(
                            "the checker's Redis subscription was down from %1 to %2 (%3)")
                            .arg(isoTime(outage.startMs),
                                 outage.endMs < 0 ? QStringLiteral("now") : isoTime(outage.endMs),
                                 outage.cause);
                }
                return outageReason;
            }
        }
        return {};
    }

    quint64 nextSeq() { return ++seqCounter; }

    static quint32 slotOf(const Entry &entry) { return entry.slot; }

    // A free slot for `id` (not yet in the index). May grow the slab; entries never
    // move.
    quint32 allocate(const QByteArray &id)
    {
        quint32 slot;
        if (!freeSlots.empty()) {
            slot = freeSlots.back();
            freeSlots.pop_back();
        } else {
            slot = slab.append();
        }
        Entry &entry = slab[slot];
        entry.slot = slot;
        entry.id = id;
        entry.inUse = true;
        return slot;
    }

    void release(Entry &entry)
    {
        if (entry.inMissingMemory)
            --rememberedMissing;
        index.remove(entry.id);
        channelProblems.remove(entry.slot);
        freeSlots.push_back(entry.slot);
        entry = Entry();
    }

    Entry *live(const Due &due, Stage stage)
    {
        Entry &entry = slab[due.slot];
        return entry.inUse && entry.seq == due.seq && entry.stage == stage ? &entry : nullptr;
    }

    void remember(const QByteArray &, Entry &entry, qint64 judgedAtMs)
    {
        // A record older than the subscription, never seen notified: nothing can
        // follow that needs it (checking a long retained topic would keep them all).
        if (entry.verdict == Verdict::Unobserved && entry.copies == 0 &&
            entry.kafkaTsMs < config.observedSinceMs) {
            release(entry);
            return;
        }
        entry.stage = Stage::Judged;
        entry.seq = nextSeq();
        const qint64 from = std::max(now, judgedAtMs);
        // Missing and unobserved verdicts are remembered long (a replay revises them),
        // but not a record older than the subscription: its notification came before.
        const bool silent =
            (entry.verdict == Verdict::Missing || entry.verdict == Verdict::Unobserved) &&
            entry.kafkaTsMs >= config.observedSinceMs;
        if (entry.inMissingMemory && !silent) {
            entry.inMissingMemory = false; // revised: the short memory from now on
            --rememberedMissing;
        }
        if (!silent) {
            forgetQueue.push_back(
                {from + kRememberGraces * config.graceMs, entry.seq, slotOf(entry)});
            return;
        }
        // Long enough that a late notification or a replay revises the verdict.
        if (!entry.inMissingMemory) {
            entry.inMissingMemory = true;
            ++rememberedMissing;
        }
        missingForgetQueue.push_back(
            {from + std::max(config.missingMemoryMs, kRememberGraces * config.graceMs), entry.seq,
             slotOf(entry)});
        while (rememberedMissing > config.maxRememberedMissing) {
            Entry *oldest = liveFront(missingForgetQueue, Stage::Judged);
            if (!oldest)
                break;
            forgetEarly(*oldest, missingForgetQueue.front().atMs);
            missingForgetQueue.pop_front();
        }
    }

    // Lets go of a judged entry before its memory window ends: a later copy of its id
    // must not be called an orphan, nor a repeat of its record missing.
    void forgetEarly(Entry &entry, qint64 wouldForgetAtMs)
    {
        forgotten.add(entry.id, wouldForgetAtMs);
        release(entry);
    }

    // No notification within the grace window: missing, or unobserved when the
    // checker could not have seen it.
    void judgeSilentEvent(const QByteArray &id, Entry &entry, const QString &extra = {})
    {
        QString reason = unobservedReason(entry.kafkaTsMs, entry.partition);
        if (reason.isEmpty() && entry.mayBeForgotten) {
            // Its notification may have come for the record this one repeats.
            reason = QStringLiteral("its id may be one the detector forgot early to stay "
                                    "within its memory cap (%1 entries): the record may "
                                    "repeat an event already judged")
                         .arg(config.maxPendingEntries);
        }
        if (reason.isEmpty() && config.partitionOfChannel && !entry.expectedChannel.isEmpty()) {
            const qint32 owner = config.partitionOfChannel(entry.expectedChannel);
            if (owner != entry.partition)
                reason = QStringLiteral("its channel maps to partition %1, its record is on "
                                        "partition %2: the notification went to the member "
                                        "that owns %1 (does the producer use another "
                                        "partitioner, or a key other than the source id?)")
                             .arg(owner)
                             .arg(entry.partition);
        }
        Gap gap = gapFor(reason.isEmpty() ? GapKind::Missing : GapKind::Unobserved, id, entry);
        gap.channel.clear();
        gap.redisTsMs = -1;
        if (reason.isEmpty() && missingReason.isEmpty())
            missingReason = QStringLiteral("no notification within the grace window (%1 ms)")
                                .arg(config.graceMs);
        gap.detail = reason.isEmpty() ? missingReason : reason;
        if (!extra.isEmpty())
            gap.detail += QStringLiteral("; ") + extra;
        entry.verdict = reason.isEmpty() ? Verdict::Missing : Verdict::Unobserved;
        emitGap(std::move(gap), &entry);
    }

    // The first notification for a known Kafka event; `revises` when the event was
    // judged silent before (missing or unobserved) and this turns the verdict.
    void judgeFirstNotification(const QByteArray &id, Entry &entry, const QByteArray &channel,
                                qint64 receivedMs, qint64 deliveredMs, quint64 arrival,
                                std::optional<GapKind> revises = std::nullopt)
    {
        entry.copies = 1;
        // One shared copy per channel: an entry remembered for duplicates must not
        // keep each message's own allocation alive (memory at full speed).
        entry.channel = intern(channel);
        entry.redisTsMs = receivedMs;
        entry.deliveredMs = deliveredMs;
        entry.arrival = arrival;
        if (revises) {
            --counts.of(*revises);
            ++counts.revised;
        }
        const QString was = revises ? QStringLiteral(" (the event was reported %1 before)")
                                          .arg(QLatin1String(kindName(*revises)))
                                    : QString();
        const qint64 latencyMs = deliveredMs - entry.kafkaTsMs;
        if (entry.expectedChannel.isEmpty() || channel == entry.expectedChannel) {
            entry.verdict = Verdict::Matched;
            ++counts.matched;
            histogram.record(std::max<qint64>(latencyMs, 0) * 1000);
            if (config.reportNewestMatches > 0) {
                newestMatches.push_back({id, entry.partition, entry.offset, latencyMs});
                if (qsizetype(newestMatches.size()) > config.reportNewestMatches)
                    newestMatches.pop_front();
            }
            const bool late = latencyMs > config.lateMs;
            if (late || revises) {
                Gap gap = gapFor(late ? GapKind::Late : GapKind::Matched, id, entry);
                gap.revises = revises;
                gap.detail = latencyMs > config.graceMs
                                 ? QStringLiteral("arrived %1 ms after the record, after the grace "
                                                  "window (%2 ms): matched, late%3")
                                       .arg(latencyMs)
                                       .arg(config.graceMs)
                                       .arg(was)
                                 : QStringLiteral("latency %1 ms is above the late threshold "
                                                  "(%2 ms)%3")
                                       .arg(latencyMs)
                                       .arg(config.lateMs)
                                       .arg(was);
                if (late)
                    emitGap(std::move(gap), &entry);
                else
                    gaps.append(std::move(gap)); // a revision to matched: listed, not counted
            }
            checkOrder(entry);
        } else {
            entry.verdict = Verdict::WrongChannel;
            Gap gap = gapFor(GapKind::WrongChannel, id, entry);
            gap.revises = revises;
            gap.detail =
                QStringLiteral("arrived on '%1', the template gives '%2'%3")
                    .arg(QString::fromUtf8(channel), QString::fromUtf8(entry.expectedChannel), was);
            emitGap(std::move(gap), &entry);
        }
        remember(id, entry, receivedMs);
    }

    // reordered: on this channel and partition, a notification that came earlier
    // has a later record, or one that came later an earlier record.
    void checkOrder(const Entry &entry)
    {
        if (entry.channel.isEmpty() || entry.partition < 0)
            return;
        auto ring = channelOrder.find(entry.channel);
        if (ring == channelOrder.end()) {
            if (channelOrder.size() >= kMaxOrderedChannels)
                channelOrder.clear();
            ring = channelOrder.insert(intern(entry.channel), {});
        }
        for (const Arrival &other : *ring) {
            if (other.partition != entry.partition)
                continue;
            const bool swapped = (other.arrival < entry.arrival && other.offset > entry.offset) ||
                                 (other.arrival > entry.arrival && other.offset < entry.offset);
            if (!swapped)
                continue;
            Gap gap = gapFor(GapKind::Reordered, entry.id, entry);
            gap.detail = QStringLiteral("on '%1' it came %2 the notification of %3, whose record "
                                        "is at offset %4 of partition %5 (this one's at %6)")
                             .arg(QString::fromUtf8(entry.channel),
                                  QLatin1String(other.arrival < entry.arrival ? "after" : "before"),
                                  QString::fromUtf8(other.id))
                             .arg(other.offset)
                             .arg(entry.partition)
                             .arg(entry.offset);
            emitGap(std::move(gap));
            break;
        }
        ring->push_back({entry.arrival, entry.partition, entry.offset, entry.id});
        if (qsizetype(ring->size()) > kOrderMemory)
            ring->pop_front();
    }

    // key_spread: a Kafka key on a second partition (once per key).
    void checkKeyPartition(const KafkaObservation &record, const QByteArray &id)
    {
        if (record.key.isEmpty() || record.partition < 0)
            return;
        const auto it = keyPartitions.find(record.key);
        if (it == keyPartitions.end()) {
            if (keyPartitions.size() < kMaxTrackedKeys)
                keyPartitions.insert(record.key, record.partition);
            return;
        }
        if (*it == kKeyReported || *it == record.partition)
            return;
        Gap gap;
        gap.kind = GapKind::KeySpread;
        gap.id = id;
        gap.partition = record.partition;
        gap.offset = record.offset;
        gap.kafkaTsMs = record.timestampMs;
        gap.detail = QStringLiteral("key '%1' has records on partitions %2 and %3: its per-key "
                                    "order is lost (a producer that does not partition by key)")
                         .arg(QString::fromUtf8(record.key))
                         .arg(*it)
                         .arg(record.partition);
        *it = kKeyReported;
        emitGap(std::move(gap));
    }

    void judgeOrphan(const QByteArray &id, Entry &entry)
    {
        entry.verdict = Verdict::Orphan;
        Gap gap = gapFor(GapKind::Orphan, id, entry);
        gap.detail =
            QStringLiteral("no record with this id in the part of Kafka read: records stamped "
                           "from %1, appended up to %2 (grace %3 ms passed); the checker "
                           "remembers a verdict %4 ms (missing ones %5 min), so a copy of an "
                           "event judged before that lands here too")
                .arg(config.observedSinceMs == std::numeric_limits<qint64>::min()
                         ? QStringLiteral("the start of the tail")
                         : isoTime(config.observedSinceMs),
                     isoTime(caughtUpAtMs))
                .arg(config.graceMs)
                .arg(kRememberGraces * config.graceMs)
                .arg(config.missingMemoryMs / 60'000.0, 0, 'g', 3);
        emitGap(std::move(gap), &entry);
        remember(id, entry, now);
    }

    // At the end of a check, a pending event whose grace window the checker's Redis
    // clock did not pass (it read too late, or the record is stamped after the clock).
    void judgeUnseenAtEnd(Entry &entry, qint64 redisReadUpToMs)
    {
        if (entry.kafkaTsMs + config.graceMs <= redisReadUpToMs) {
            judgeSilentEvent(entry.id, entry);
        } else {
            entry.verdict = Verdict::Unobserved;
            Gap gap = gapFor(GapKind::Unobserved, entry.id, entry);
            gap.detail = QStringLiteral("the check ended before the checker had read its Redis "
                                        "subscription to the end of this event's grace window "
                                        "(it had read up to %1)")
                             .arg(isoTime(redisReadUpToMs));
            emitGap(std::move(gap), &entry);
        }
        remember(entry.id, entry, now);
    }

    // Pops stale items; returns the live front entry of `queue` in `stage`, or none.
    Entry *liveFront(std::deque<Due> &queue, Stage stage)
    {
        while (!queue.empty()) {
            if (Entry *entry = live(queue.front(), stage))
                return entry;
            queue.pop_front();
        }
        return nullptr;
    }

    void queueKafka(Entry &entry)
    {
        entry.stage = Stage::AwaitingNotification;
        entry.seq = nextSeq();
        const qint64 deadline = entry.kafkaTsMs + config.graceMs;
        // Records come roughly in timestamp order, so a FIFO serves them; one
        // stamped far in the future (a skewed producer clock) would block the FIFO
        // and goes to the small heap instead. Out-of-order records behind the front
        // wait at most one grace window longer than their deadline.
        if (haveNow && entry.kafkaTsMs > now + config.graceMs) {
            futureKafka.push_back({deadline, entry.seq, slotOf(entry)});
            std::push_heap(futureKafka.begin(), futureKafka.end(), DueLater());
        } else {
            kafkaQueue.push_back({deadline, entry.seq, slotOf(entry)});
        }
    }

    void expireKafka(qint64 nowMs)
    {
        while (Entry *entry = liveFront(kafkaQueue, Stage::AwaitingNotification)) {
            // Strictly after the window: a notification received exactly at
            // ts + grace is still in time, whichever of the two calls comes first.
            if (kafkaQueue.front().atMs >= nowMs)
                break;
            kafkaQueue.pop_front();
            judgeSilentEvent(entry->id, *entry);
            remember(entry->id, *entry, nowMs);
        }
        while (!futureKafka.empty() && futureKafka.front().atMs < nowMs) {
            std::pop_heap(futureKafka.begin(), futureKafka.end(), DueLater());
            const Due due = futureKafka.back();
            futureKafka.pop_back();
            if (Entry *entry = live(due, Stage::AwaitingNotification)) {
                judgeSilentEvent(entry->id, *entry);
                remember(entry->id, *entry, nowMs);
            }
        }
    }

    void expireOrphans(qint64 nowMs)
    {
        while (Entry *entry = liveFront(redisQueue, Stage::AwaitingKafka)) {
            const Due &due = redisQueue.front();
            if (due.atMs >= nowMs || caughtUpAtMs < due.atMs)
                break;
            redisQueue.pop_front();
            judgeOrphan(*entry);
        }
    }

    // A notification without a record: an orphan, unless it came after the window
    // (then its event is simply later than the window, or not in it at all).
    void judgeOrphan(Entry &entry)
    {
        // Its record may be one the tail lost, or one from before where it started.
        // Or a copy of an id the memory cap forgot early (the record came and went).
        if (entry.deliveredMs <= kafkaLostUntilMs + config.graceMs || entry.mayBeForgotten ||
            ownedByAnotherMember(entry)) {
            ++counts.unjudgedNotifications;
            release(entry);
            return;
        }
        if (entry.afterWindow || entry.deliveredMs < kafkaReadsFromMs + config.graceMs) {
            ++counts.outsideWindowNotifications;
            release(entry);
            return;
        }
        judgeOrphan(entry.id, entry);
    }

    // Group mode: the notification's partition changed owner around its delivery, so
    // its record may be one another member read.
    bool ownedByAnotherMember(const Entry &entry) const
    {
        if (entry.channelPartition < 0)
            return false;
        const auto assigned = assignedAtMs.constFind(entry.channelPartition);
        if (assigned != assignedAtMs.cend() && entry.deliveredMs < *assigned + config.graceMs)
            return true;
        const auto revoked = revokedReadUpToMs.constFind(entry.channelPartition);
        return revoked != revokedReadUpToMs.cend() && entry.deliveredMs + config.graceMs > *revoked;
    }

    void forgetRemembered(qint64 nowMs)
    {
        for (std::deque<Due> *queue : {&forgetQueue, &missingForgetQueue}) {
            while (!queue->empty() && queue->front().atMs < nowMs) {
                if (Entry *entry = live(queue->front(), Stage::Judged))
                    release(*entry);
                queue->pop_front();
            }
        }
        forgotten.expire(nowMs);
    }

    // One entry over the cap: lose what costs least first.
    void enforceCap()
    {
        if (qint64(index.size()) <= config.maxPendingEntries)
            return;
        for (std::deque<Due> *queue : {&forgetQueue, &missingForgetQueue}) {
            if (Entry *entry = liveFront(*queue, Stage::Judged)) {
                forgetEarly(*entry, queue->front().atMs);
                queue->pop_front();
                return;
            }
        }
        if (Entry *entry = liveFront(redisQueue, Stage::AwaitingKafka)) {
            // Its record may still come: events of that time cannot be called missing
            // any more, so the time is an outage of the checker's own.
            const qint64 from = entry->deliveredMs;
            redisQueue.pop_front();
            release(*entry);
            ++counts.droppedNotifications;
            const QString cause = QStringLiteral("the checker's memory cap (%1 entries) was "
                                                 "reached: notifications were let go unjudged")
                                      .arg(config.maxPendingEntries);
            if (!outages.isEmpty() && outages.last().cause == cause && outages.last().endMs >= from)
                outages.last().endMs = std::max(outages.last().endMs, from);
            else
                outages.append({from, from, cause});
            return;
        }
        auto letGo = [this](Entry &entry) {
            Gap gap = gapFor(GapKind::Unobserved, entry.id, entry);
            gap.detail = QStringLiteral("let go unjudged: the detector's memory cap (%1 entries) "
                                        "was reached")
                             .arg(config.maxPendingEntries);
            emitGap(std::move(gap), &entry);
            release(entry);
        };
        if (Entry *entry = liveFront(kafkaQueue, Stage::AwaitingNotification)) {
            kafkaQueue.pop_front();
            letGo(*entry);
            return;
        }
        // Only future-stamped records are left: judge the earliest the same way.
        while (!futureKafka.empty()) {
            std::pop_heap(futureKafka.begin(), futureKafka.end(), DueLater());
            const Due due = futureKafka.back();
            futureKafka.pop_back();
            if (Entry *entry = live(due, Stage::AwaitingNotification)) {
                letGo(*entry);
                return;
            }
        }
    }

    Config config;
    ObservationReader reader;
    event::Event scratchEvent;
    QByteArray scratchChannel;
    QSet<IdKey> channelCache; // the same cheap hash as the ids

    // id -> slot in `slab`: small nodes keep the hash table cache-friendly, and the
    // queues reach entries through their slots without hashing.
    QHash<IdKey, quint32> index;
    ChunkedSlab<Entry> slab;
    // Why an entry has no expected channel, by slot: rare, so not a field of every
    // entry (a QString in each of 300,000 entries is 7 MB).
    QHash<quint32, QString> channelProblems;
    ForgottenIds forgotten; // what the memory cap let go before its time
    std::vector<quint32> freeSlots;
    std::deque<Due> kafkaQueue;         // pending Kafka events, by (clamped) deadline
    std::vector<Due> futureKafka;       // min-heap: records stamped in the future
    std::deque<Due> redisQueue;         // notifications waiting for Kafka, by receipt + grace
    std::deque<Due> forgetQueue;        // verdicts, by the end of their memory window
    std::deque<Due> missingForgetQueue; // missing/unobserved verdicts: the long memory
    qint64 rememberedMissing = 0;
    quint64 seqCounter = 0;
    quint64 arrivalCounter = 0;
    qint64 windowEndMs = kNoEnd;
    QString olderReason;
    QString missingReason;
    QString outageReason;
    qsizetype outageReasonIndex = -1;
    qint64 outageReasonEnd = 0;
    qint64 kafkaReadsFromMs = std::numeric_limits<qint64>::min() / 2;
    qint64 kafkaLostUntilMs = std::numeric_limits<qint64>::min() / 2;
    // Group mode: when each partition was last assigned to this member; for one revoked
    // since, up to when its records had been read.
    QHash<qint32, qint64> assignedAtMs;
    QHash<qint32, qint64> revokedReadUpToMs;
    QHash<QByteArray, qint32> keyPartitions;
    QHash<QByteArray, std::deque<Arrival>> channelOrder;

    qint64 now = 0;
    bool haveNow = false;
    bool kafkaCaughtUp = false;
    qint64 caughtUpAtMs = std::numeric_limits<qint64>::min();
    QList<RedisOutage> outages;

    GapCounts counts;
    metrics::LatencyHistogram histogram;
    QList<Gap> gaps;
    std::deque<MatchedEvent> newestMatches;
};

bool GapDetector::validate(const Config &config, QString *error)
{
    auto refuse = [&](const QString &why) {
        if (error)
            *error = why;
        return false;
    };
    if (config.graceMs <= 0)
        return refuse(
            QStringLiteral("the grace window must be positive (got %1 ms)").arg(config.graceMs));
    if (config.lateMs < 0)
        return refuse(QStringLiteral("the late threshold must not be negative (got %1 ms)")
                          .arg(config.lateMs));
    if (config.maxNotificationBytes <= 0)
        return refuse(QStringLiteral("the notification size limit must be positive (got %1)")
                          .arg(config.maxNotificationBytes));
    if (config.maxPendingEntries <= 0)
        return refuse(QStringLiteral("the memory cap must be positive (got %1 entries)")
                          .arg(config.maxPendingEntries));
    return FieldMapping::validate(config.mapping, error);
}

GapDetector::GapDetector(Config config) : m_state(std::make_unique<State>(std::move(config))) {}

GapDetector::~GapDetector() = default;

const GapDetector::Config &GapDetector::config() const
{
    return m_state->config;
}

void GapDetector::addKafka(const KafkaObservation &record)
{
    State &s = *m_state;
    QString why;
    QByteArrayView idView;
    if (record.timestampMs > s.windowEndMs) {
        // Outside the window: not judged. A notification taken in the window that
        // waits for this record is not an orphan: its event is simply later.
        ++s.counts.outsideWindowRecords;
        const Value *root = s.reader.parse(record.value, &why);
        if (root && s.reader.kafkaId(*root, &idView, &why)) {
            const auto it =
                s.index.constFind(QByteArray::fromRawData(idView.data(), idView.size()));
            if (it != s.index.cend() && s.slab[*it].stage == Stage::AwaitingKafka) {
                ++s.counts.outsideWindowNotifications;
                s.release(s.slab[*it]);
            }
        }
        return;
    }
    if (record.timestampMs < s.config.contextBeforeMs) {
        // Before the window: remembered for a while so that its notification is
        // known as outside, and a notification that waits for it is no orphan.
        ++s.counts.outsideWindowRecords;
        const Value *root = s.reader.parse(record.value, &why);
        if (!root || !s.reader.kafkaId(*root, &idView, &why))
            return;
        const QByteArray id(idView.data(), idView.size());
        const auto it = s.index.constFind(id);
        if (it != s.index.cend()) {
            if (s.slab[*it].stage == Stage::AwaitingKafka) {
                ++s.counts.outsideWindowNotifications;
                s.release(s.slab[*it]);
            }
            return;
        }
        const quint32 slot = s.allocate(id);
        s.index.insert(id, slot);
        Entry &entry = s.slab[slot];
        entry.context = true;
        entry.haveKafka = true;
        entry.kafkaTsMs = record.timestampMs;
        s.remember(id, entry, s.now);
        s.enforceCap();
        return;
    }
    ++s.counts.kafkaRecords;
    const Value *root = s.reader.parse(record.value, &why);
    if (!root || !s.reader.kafkaId(*root, &idView, &why)) {
        Gap gap;
        gap.kind = GapKind::Unparseable;
        gap.partition = record.partition;
        gap.offset = record.offset;
        gap.kafkaTsMs = record.timestampMs;
        gap.detail = QStringLiteral("Kafka record: ") + why;
        s.emitGap(std::move(gap));
        return;
    }
    // One lookup on the common path (a new id): operator[] finds or inserts.
    const QByteArray id(idView.data(), idView.size());
    const qsizetype sizeBefore = s.index.size();
    quint32 &slot = s.index[id];
    if (s.index.size() != sizeBefore) {
        slot = s.allocate(id);
        Entry &entry = s.slab[slot];
        entry.mayBeForgotten = s.forgotten.mayHold(id, s.now);
        ++s.counts.kafkaEvents;
        s.fillKafka(entry, record, *root);
        s.queueKafka(entry);
        s.checkKeyPartition(record, id);
        s.enforceCap();
        return;
    }
    Entry &entry = s.slab[slot];
    // The same record read again (a consumer group member given back a partition, from
    // an offset it had read past): not a second event, nothing to judge.
    if (entry.haveKafka && entry.partition == record.partition && entry.offset == record.offset)
        return;
    if (entry.haveKafka) {
        Gap gap = s.gapFor(GapKind::Duplicate, id, entry);
        gap.partition = record.partition;
        gap.offset = record.offset;
        gap.kafkaTsMs = record.timestampMs;
        gap.detail = QStringLiteral("the Kafka record repeats the id of partition %1 offset %2")
                         .arg(entry.partition)
                         .arg(entry.offset);
        s.emitGap(std::move(gap));
        return;
    }
    ++s.counts.kafkaEvents;
    s.fillKafka(entry, record, *root);
    s.checkKeyPartition(record, id);
    if (entry.stage == Stage::AwaitingKafka) {
        // The usual Kafka consumer lag: the notification came first.
        s.judgeFirstNotification(id, entry, entry.channel, entry.redisTsMs, entry.deliveredMs,
                                 entry.arrival);
        return;
    }
    // The notification was already judged an orphan; its copy cannot count twice.
    s.judgeSilentEvent(id, entry,
                       QStringLiteral("its notification arrived at %1, before the record, and "
                                      "was already reported as an orphan")
                           .arg(isoTime(entry.redisTsMs)));
    s.remember(id, entry, s.now);
}

void GapDetector::addRedis(const RedisObservation &notification)
{
    State &s = *m_state;
    const qint64 delivered =
        notification.deliveredMs >= 0 ? notification.deliveredMs : notification.receivedMs;
    // After the window, a notification counts only for an event of the window.
    const bool afterWindow = delivered > s.windowEndMs;
    QString why;
    QByteArrayView idView;
    const Value *root = s.reader.parse(notification.payload, &why);
    const bool parsed = root && s.reader.notificationId(*root, &idView, &why);
    const QByteArray lookup =
        parsed ? QByteArray::fromRawData(idView.data(), idView.size()) : QByteArray();
    const auto it = parsed ? s.index.constFind(lookup) : s.index.cend();
    if (afterWindow && !parsed) {
        ++s.counts.outsideWindowNotifications;
        return;
    }
    // Group mode: after a partition went to another member, its notifications count
    // here only for a record this member read (it owes that verdict); any other is the
    // next owner's to count and judge.
    if (notification.partition >= 0 && s.revokedReadUpToMs.contains(notification.partition) &&
        (it == s.index.cend() || !s.slab[*it].haveKafka))
        return;
    ++s.counts.redisNotifications;
    const quint64 arrival = ++s.arrivalCounter;
    if (!parsed) {
        Gap gap;
        gap.kind = GapKind::Unparseable;
        gap.channel = notification.channel;
        gap.redisTsMs = notification.receivedMs;
        gap.detail = QStringLiteral("notification: ") + why;
        s.emitGap(std::move(gap));
        return;
    }
    const bool tooBig = notification.payload.size() > s.config.maxNotificationBytes;
    const bool carriesPayload = s.reader.carriesPayload(*root);
    auto reportOversized = [&](const QByteArray &id, const Entry &entry) {
        if (!tooBig && !carriesPayload)
            return;
        Gap gap = s.gapFor(GapKind::Oversized, id, entry);
        gap.channel = notification.channel;
        gap.redisTsMs = notification.receivedMs;
        gap.detail = tooBig ? QStringLiteral("%1 bytes, over the limit of %2")
                                  .arg(notification.payload.size())
                                  .arg(s.config.maxNotificationBytes)
                            : QString();
        if (carriesPayload)
            gap.detail += QLatin1String(tooBig ? "; " : "") +
                          QStringLiteral("carries a payload: the contract says ids only");
        s.emitGap(std::move(gap));
    };

    if (it == s.index.cend()) {
        const QByteArray id(idView.data(), idView.size());
        const quint32 slot = s.allocate(id);
        s.index.insert(id, slot);
        Entry &entry = s.slab[slot];
        entry.stage = Stage::AwaitingKafka;
        entry.channelPartition = notification.partition;
        entry.channel = s.intern(notification.channel);
        entry.redisTsMs = notification.receivedMs;
        entry.deliveredMs = delivered;
        entry.arrival = arrival;
        entry.copies = 1;
        // After the window, its record may still be one of the window's (Kafka is read
        // late): it waits like any other, but is never an orphan.
        entry.afterWindow = afterWindow;
        entry.mayBeForgotten = s.forgotten.mayHold(id, s.now);
        entry.seq = s.nextSeq();
        s.redisQueue.push_back({delivered + s.config.graceMs, entry.seq, slot});
        reportOversized(id, entry);
        s.enforceCap();
        return;
    }
    Entry &entry = s.slab[*it];
    const QByteArray &id = entry.id;
    if (entry.context) {
        // The notification of a record from before the window.
        --s.counts.redisNotifications;
        ++s.counts.outsideWindowNotifications;
        return;
    }
    reportOversized(id, entry);
    if (entry.stage == Stage::AwaitingNotification) {
        s.judgeFirstNotification(id, entry, notification.channel, notification.receivedMs,
                                 delivered, arrival);
        return;
    }
    if (entry.stage == Stage::Judged && entry.copies == 0) {
        // The event was judged silent before this notification came: the verdict is
        // revised, once (later copies are duplicates).
        s.judgeFirstNotification(
            id, entry, notification.channel, notification.receivedMs, delivered, arrival,
            entry.verdict == Verdict::Missing ? GapKind::Missing : GapKind::Unobserved);
        return;
    }
    ++entry.copies;
    Gap gap = s.gapFor(GapKind::Duplicate, id, entry);
    gap.channel = notification.channel;
    gap.redisTsMs = notification.receivedMs;
    gap.detail = QStringLiteral("copy %1 of the notification; the first arrived at %2 on '%3'")
                     .arg(entry.copies)
                     .arg(isoTime(entry.redisTsMs), QString::fromUtf8(entry.channel));
    s.emitGap(std::move(gap), &entry);
}

void GapDetector::setKafkaCaughtUp(qint64 nowMs, bool caughtUp)
{
    State &s = *m_state;
    s.kafkaCaughtUp = caughtUp;
    if (caughtUp)
        s.caughtUpAtMs = std::max(s.caughtUpAtMs, nowMs);
}

void GapDetector::setKafkaReadUpTo(qint64 readUpToMs)
{
    State &s = *m_state;
    s.caughtUpAtMs = std::max(s.caughtUpAtMs, readUpToMs);
}

void GapDetector::setKafkaReadsFrom(qint64 startedAtMs)
{
    m_state->kafkaReadsFromMs = startedAtMs;
}

void GapDetector::partitionAssigned(qint32 partition, qint64 atMs)
{
    m_state->assignedAtMs.insert(partition, atMs);
    // Notifications from before the revocation are covered by the assignment's rule now
    // (delivered before atMs + grace).
    m_state->revokedReadUpToMs.remove(partition);
}

void GapDetector::partitionRevoked(qint32 partition, qint64 readUpToMs)
{
    m_state->revokedReadUpToMs.insert(partition, readUpToMs);
}

void GapDetector::kafkaRecordsLost(qint64 noticedAtMs)
{
    m_state->kafkaLostUntilMs = std::max(m_state->kafkaLostUntilMs, noticedAtMs);
}

void GapDetector::closeWindow(qint64 endMs)
{
    m_state->windowEndMs = std::min(m_state->windowEndMs, endMs);
}

void GapDetector::finishAt(qint64 redisReadUpToMs, qint64 kafkaReadUpToMs)
{
    State &s = *m_state;
    setKafkaReadUpTo(kafkaReadUpToMs);
    advance(redisReadUpToMs);
    // What the clocks did not reach: the checker could not tell, so it does not say.
    while (Entry *entry = s.liveFront(s.kafkaQueue, Stage::AwaitingNotification)) {
        s.kafkaQueue.pop_front();
        s.judgeUnseenAtEnd(*entry, redisReadUpToMs);
    }
    std::sort_heap(s.futureKafka.begin(), s.futureKafka.end(), DueLater());
    for (auto due = s.futureKafka.rbegin(); due != s.futureKafka.rend(); ++due) {
        if (Entry *entry = s.live(*due, Stage::AwaitingNotification))
            s.judgeUnseenAtEnd(*entry, redisReadUpToMs);
    }
    s.futureKafka.clear();
    while (Entry *entry = s.liveFront(s.redisQueue, Stage::AwaitingKafka)) {
        s.redisQueue.pop_front();
        if (entry->afterWindow)
            ++s.counts.outsideWindowNotifications;
        else
            ++s.counts.unjudgedNotifications;
        s.release(*entry);
    }
}

void GapDetector::redisSubscriptionDown(qint64 nowMs, const QString &cause)
{
    State &s = *m_state;
    if (!s.outages.isEmpty() && s.outages.last().endMs < 0)
        return; // already down: the first cause is the one that explains the outage
    s.outages.append({nowMs, -1, cause});
}

void GapDetector::redisSubscriptionUp(qint64 nowMs)
{
    State &s = *m_state;
    if (!s.outages.isEmpty() && s.outages.last().endMs < 0)
        s.outages.last().endMs = std::max(nowMs, s.outages.last().startMs);
}

void GapDetector::advance(qint64 nowMs)
{
    State &s = *m_state;
    s.now = s.haveNow ? std::max(s.now, nowMs) : nowMs;
    s.haveNow = true;
    if (s.kafkaCaughtUp)
        s.caughtUpAtMs = std::max(s.caughtUpAtMs, s.now);
    s.expireKafka(s.now);
    s.expireOrphans(s.now);
    s.forgetRemembered(s.now);
}

void GapDetector::finish(qint64 nowMs)
{
    State &s = *m_state;
    const qint64 end = nowMs + s.config.graceMs;
    setKafkaCaughtUp(end, true);
    advance(end);
    // What is still pending has a deadline beyond the end of the window (records
    // stamped in the future, notifications received after nowMs): judge it now,
    // in queue order so that the report is deterministic.
    while (Entry *entry = s.liveFront(s.kafkaQueue, Stage::AwaitingNotification)) {
        s.kafkaQueue.pop_front();
        s.judgeSilentEvent(entry->id, *entry);
        s.remember(entry->id, *entry, s.now);
    }
    std::sort_heap(s.futureKafka.begin(), s.futureKafka.end(), DueLater());
    for (auto due = s.futureKafka.rbegin(); due != s.futureKafka.rend(); ++due) {
        if (Entry *entry = s.live(*due, Stage::AwaitingNotification)) {
            s.judgeSilentEvent(entry->id, *entry);
            s.remember(entry->id, *entry, s.now);
        }
    }
    s.futureKafka.clear();
    while (Entry *entry = s.liveFront(s.redisQueue, Stage::AwaitingKafka)) {
        s.redisQueue.pop_front();
        s.judgeOrphan(*entry);
    }
}

QList<Gap> GapDetector::takeGaps()
{
    return std::exchange(m_state->gaps, {});
}

EventStatus GapDetector::statusOf(const QByteArray &id) const
{
    const State &s = *m_state;
    EventStatus status;
    status.id = id;
    const auto it = s.index.constFind(id);
    if (it == s.index.cend())
        return status;
    const Entry &entry = s.slab[*it];
    status.partition = entry.partition;
    status.offset = entry.offset;
    status.kafkaTsMs = entry.haveKafka ? entry.kafkaTsMs : -1;
    status.channel = entry.channel;
    status.expectedChannel = entry.expectedChannel;
    status.redisTsMs = entry.redisTsMs;
    status.copies = entry.copies;
    // Clamped at 0 as the histogram is: Redis's delivery time is bounded from the
    // checker's PING clock, and may read a little before the record's own stamp.
    if (entry.haveKafka && entry.deliveredMs >= 0)
        status.latencyMs = std::max<qint64>(entry.deliveredMs - entry.kafkaTsMs, 0);
    switch (entry.stage) {
    case Stage::AwaitingNotification:
        status.stage = EventStatus::Stage::AwaitingNotification;
        return status;
    case Stage::AwaitingKafka:
        status.stage = EventStatus::Stage::AwaitingKafka;
        return status;
    case Stage::Judged:
        break;
    }
    status.stage = EventStatus::Stage::Judged;
    switch (entry.verdict) {
    case Verdict::Matched:
        status.verdict = status.latencyMs > s.config.lateMs ? GapKind::Late : GapKind::Matched;
        break;
    case Verdict::WrongChannel:
        status.verdict = GapKind::WrongChannel;
        break;
    case Verdict::Missing:
        status.verdict = GapKind::Missing;
        break;
    case Verdict::Unobserved:
        status.verdict = GapKind::Unobserved;
        break;
    case Verdict::Orphan:
        status.verdict = GapKind::Orphan;
        break;
    case Verdict::None:
        // Judged without a verdict of its own: a record from before the window.
        status.stage = EventStatus::Stage::NotSeen;
        status.detail = QStringLiteral("its record is from before the check window: not judged");
        break;
    }
    return status;
}

QList<MatchedEvent> GapDetector::takeMatches()
{
    QList<MatchedEvent> matches(m_state->newestMatches.cbegin(), m_state->newestMatches.cend());
    m_state->newestMatches.clear();
    return matches;
}

GapCounts GapDetector::counts() const
{
    GapCounts counts = m_state->counts;
    counts.forgottenEarly = m_state->forgotten.total(); // the filters count what they hold
    return counts;
}

const metrics::LatencyHistogram &GapDetector::latency() const
{
    return m_state->histogram;
}

QList<RedisOutage> GapDetector::outages() const
{
    return m_state->outages;
}

qint64 GapDetector::pendingCount() const
{
    return m_state->index.size();
}

} // namespace dualscope::gap
