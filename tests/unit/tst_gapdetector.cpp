// SPDX-License-Identifier: MIT
#include "event/event.h"
#include "gap/detectorbenchmark.h"
#include "gap/forgottenids.h"
#include "gap/gapdetector.h"

#include <QRandomGenerator>
#include <QTest>
#include <algorithm>
#include <map>

using namespace dualscope::gap;
using dualscope::event::ChannelTemplate;

namespace {

// 2026-11-27T15:04:05.000Z: fake time, no sleeps anywhere.
constexpr qint64 T0 = 1'795'791'845'000;
constexpr qint64 kGrace = 2000;

QByteArray recordJson(const QByteArray &id, const QByteArray &sourceId = "octocat",
                      const QByteArray &sourceType = "user")
{
    return "{\"id\":\"" + id + "\",\"type\":\"order.created\",\"source_type\":\"" + sourceType +
           "\",\"source_id\":\"" + sourceId +
           "\",\"timestamp\":\"2026-11-27T15:04:05.123Z\",\"payload\":{\"n\":1}}";
}

KafkaObservation record(const QByteArray &id, qint64 ts, const QByteArray &sourceId = "octocat",
                        qint64 offset = 0)
{
    return {0, offset, ts, sourceId, recordJson(id, sourceId)};
}

KafkaObservation rawRecord(const QByteArray &value, qint64 ts = T0)
{
    return {3, 42, ts, {}, value};
}

QByteArray notificationJson(const QByteArray &id, const QByteArray &sourceId = "octocat")
{
    return "{\"id\":\"" + id + "\",\"type\":\"order.created\",\"source_id\":\"" + sourceId + "\"}";
}

RedisObservation note(const QByteArray &id, qint64 receivedMs,
                      const QByteArray &channel = "events:user:octocat")
{
    return {channel, "events:*", notificationJson(id), receivedMs};
}

RedisObservation rawNote(const QByteArray &payload, qint64 receivedMs = T0)
{
    return {"events:user:octocat", "events:*", payload, receivedMs};
}

QList<QByteArray> kinds(const QList<Gap> &gaps)
{
    QList<QByteArray> names;
    for (const Gap &gap : gaps)
        names.append(kindName(gap.kind));
    return names;
}

GapDetector::Config config()
{
    GapDetector::Config c;
    c.graceMs = kGrace;
    c.lateMs = 1000;
    return c;
}

// docs/design.md's invariant, checked after finish().
void verifyInvariant(const GapCounts &c)
{
    QCOMPARE(c.matched + c.missing + c.wrongChannel + c.unobserved, c.kafkaEvents);
}

} // namespace

class TestGapDetector final : public QObject
{
    Q_OBJECT

private slots:
    void kindNamesRoundTrip()
    {
        const QList<QByteArray> expected = {
            "matched",   "missing",     "orphan",     "wrong_channel", "duplicate", "late",
            "oversized", "unparseable", "unobserved", "key_spread",    "reordered"};
        QCOMPARE(std::size(kAllGapKinds), size_t(expected.size()));
        for (qsizetype i = 0; i < expected.size(); ++i) {
            QCOMPARE(QByteArray(kindName(kAllGapKinds[i])), expected.at(i));
            QVERIFY(kindFromName(expected.at(i)) == kAllGapKinds[i]);
        }
        QVERIFY(!kindFromName("Missing"));
        QVERIFY(!kindFromName(""));
    }

    void matchedOnExpectedChannelIsCountedNotListed()
    {
        // given a detector
        GapDetector detector(config());
        // when a record and its notification 15 ms later arrive
        detector.addKafka(record("e1", T0));
        detector.addRedis(note("e1", T0 + 15));
        detector.advance(T0 + 10 * kGrace);
        // then it is matched, with its latency, and nothing is listed
        QVERIFY(detector.takeGaps().isEmpty());
        QCOMPARE(detector.counts().matched, 1);
        QCOMPARE(detector.counts().gapTotal(), 0);
        QCOMPARE(detector.latency().count(), 1);
        QCOMPARE(detector.latency().max(), 15'000);
    }

    void theNewestMatchesAreReportedWhenAskedFor()
    {
        // given a detector that keeps the 3 newest matches, and one that keeps none
        GapDetector::Config keeping = config();
        keeping.reportNewestMatches = 3;
        GapDetector detector(keeping);
        GapDetector silent(config());
        // when 5 events match, 10 ms + n apart, and one goes to another channel
        for (int n = 0; n < 5; ++n) {
            const QByteArray id = "m" + QByteArray::number(n);
            for (GapDetector *d : {&detector, &silent}) {
                d->addKafka(record(id, T0 + n, "octocat", 100 + n));
                d->addRedis(note(id, T0 + n + 10 + n));
            }
        }
        detector.addKafka(record("w", T0 + 9, "octocat", 200));
        detector.addRedis(note("w", T0 + 20, "events:user:someone"));
        // then the newest 3 matches come out once, oldest first, with their places
        const QList<MatchedEvent> matches = detector.takeMatches();
        QCOMPARE(matches.size(), 3);
        for (int i = 0; i < 3; ++i) {
            const int n = i + 2;
            QCOMPARE(matches[i].id, "m" + QByteArray::number(n));
            QCOMPARE(matches[i].partition, 0);
            QCOMPARE(matches[i].offset, 100 + n);
            QCOMPARE(matches[i].latencyMs, 10 + n);
        }
        QVERIFY(detector.takeMatches().isEmpty());
        QCOMPARE(detector.counts().matched, 5); // every match counted, listed or not
        QVERIFY(silent.takeMatches().isEmpty());
        QCOMPARE(silent.counts().matched, 5);
    }

    void oneEventsStatusFollowsItThroughEachStage()
    {
        GapDetector detector(config());
        using Stage = EventStatus::Stage;
        // before anything of it was read
        QCOMPARE(detector.statusOf("t1").stage, Stage::NotSeen);
        QCOMPARE(detector.statusOf("t1").id, QByteArray("t1"));
        // its record read: waiting, with its place
        detector.addKafka(record("t1", T0, "octocat", 7));
        EventStatus status = detector.statusOf("t1");
        QCOMPARE(status.stage, Stage::AwaitingNotification);
        QCOMPARE(status.partition, 0);
        QCOMPARE(status.offset, 7);
        QCOMPARE(status.kafkaTsMs, T0);
        QCOMPARE(status.expectedChannel, QByteArray("events:user:octocat"));
        QVERIFY(status.channel.isEmpty());
        // its notification: matched, with channel, receipt and latency
        detector.addRedis(note("t1", T0 + 15));
        status = detector.statusOf("t1");
        QCOMPARE(status.stage, Stage::Judged);
        QCOMPARE(status.verdict, GapKind::Matched);
        QCOMPARE(status.channel, QByteArray("events:user:octocat"));
        QCOMPARE(status.redisTsMs, T0 + 15);
        QCOMPARE(status.latencyMs, 15);
        QCOMPARE(status.copies, 1u);
        // a second copy: still matched, two copies
        detector.addRedis(note("t1", T0 + 30));
        QCOMPARE(detector.statusOf("t1").copies, 2u);
        // remembered for 3 x grace, then forgotten
        detector.advance(T0 + 30 + 4 * kGrace);
        QCOMPARE(detector.statusOf("t1").stage, Stage::NotSeen);
    }

    void oneEventsStatusNamesEachVerdict()
    {
        GapDetector detector(config());
        detector.setKafkaCaughtUp(T0, true); // so that an orphan can be judged
        detector.addKafka(record("late", T0, "octocat", 1));
        detector.addRedis(note("late", T0 + 1500)); // above lateMs (1000), within grace
        detector.addKafka(record("wrong", T0, "octocat", 2));
        detector.addRedis(note("wrong", T0 + 5, "events:user:someone"));
        detector.addKafka(record("lost", T0, "octocat", 3));
        detector.addRedis(note("first", T0 + 5)); // its record not read yet
        QCOMPARE(detector.statusOf("first").stage, EventStatus::Stage::AwaitingKafka);
        QCOMPARE(detector.statusOf("late").verdict, GapKind::Late);
        QCOMPARE(detector.statusOf("wrong").verdict, GapKind::WrongChannel);
        QCOMPARE(detector.statusOf("lost").stage, EventStatus::Stage::AwaitingNotification);
        detector.advance(T0 + kGrace + 1);
        QCOMPARE(detector.statusOf("lost").stage, EventStatus::Stage::Judged);
        QCOMPARE(detector.statusOf("lost").verdict, GapKind::Missing);
        detector.advance(T0 + 5 + kGrace + 1);
        QCOMPARE(detector.statusOf("first").verdict, GapKind::Orphan);
    }

    void notificationBeforeItsKafkaRecordMatches()
    {
        // given Kafka consumer lag: the notification is received first
        GapDetector detector(config());
        detector.setKafkaCaughtUp(T0, false);
        detector.addRedis(note("e1", T0 + 5));
        detector.advance(T0 + 1500);
        QVERIFY(detector.takeGaps().isEmpty());
        // when the record (stamped after the receipt) arrives
        detector.addKafka(record("e1", T0 + 10));
        detector.finish(T0 + 3000);
        // then it is matched, latency clamped at 0, no orphan
        QVERIFY(detector.takeGaps().isEmpty());
        QCOMPARE(detector.counts().matched, 1);
        QCOMPARE(detector.latency().max(), 0);
        verifyInvariant(detector.counts());
    }

    void noOrphanWhileKafkaIsNotCaughtUp()
    {
        // given a notification whose id is not (yet) in Kafka
        GapDetector detector(config());
        detector.addRedis(note("lagging", T0));
        // when a long time passes with the tail still behind
        detector.setKafkaCaughtUp(T0 + 100, true);
        detector.setKafkaCaughtUp(T0 + 200, false);
        detector.advance(T0 + 60'000);
        // then nothing is judged: the caught-up moment came before receipt + grace
        QVERIFY(detector.takeGaps().isEmpty());
        QCOMPARE(detector.pendingCount(), 1);
        // and the record that finally comes matches it
        detector.addKafka(record("lagging", T0 - 50));
        QVERIFY(detector.takeGaps().isEmpty());
        QCOMPARE(detector.counts().matched, 1);
    }

    void orphanOnlyAfterCaughtUpAndGrace()
    {
        // given a notification received at T0 and a tail caught up from then on
        GapDetector detector(config());
        detector.addRedis(note("ghost", T0));
        detector.setKafkaCaughtUp(T0 + 10, true);
        // when the grace window has not fully passed
        detector.advance(T0 + kGrace);
        // then it is not an orphan yet
        QVERIFY(detector.takeGaps().isEmpty());
        // when it has passed (the sticky caught-up state counts at each advance)
        detector.advance(T0 + kGrace + 1);
        // then it is an orphan
        const QList<Gap> gaps = detector.takeGaps();
        QCOMPARE(kinds(gaps), QList<QByteArray>{"orphan"});
        QCOMPARE(gaps[0].id, QByteArray("ghost"));
        QCOMPARE(gaps[0].channel, QByteArray("events:user:octocat"));
        QCOMPARE(gaps[0].redisTsMs, T0);
        QCOMPARE(gaps[0].partition, -1);
    }

    void orphanNeedsACaughtUpMomentAfterTheGrace()
    {
        // given a tail that caught up before the grace passed, then fell behind
        GapDetector detector(config());
        detector.addRedis(note("ghost", T0));
        detector.setKafkaCaughtUp(T0 + 1000, true);
        detector.setKafkaCaughtUp(T0 + 1500, false);
        detector.advance(T0 + 10'000);
        QVERIFY(detector.takeGaps().isEmpty());
        // when it reports caught up again
        detector.setKafkaCaughtUp(T0 + 10'000, true);
        detector.advance(T0 + 10'001);
        // then the orphan is judged
        QCOMPARE(kinds(detector.takeGaps()), QList<QByteArray>{"orphan"});
        QCOMPARE(detector.counts().orphan, 1);
    }

    void missingExactlyAfterTheGraceWindow()
    {
        // given a record at T0 with no notification
        GapDetector detector(config());
        detector.addKafka(record("lost", T0, "octocat", 7));
        // when the clock reaches the end of the window: still in time
        detector.advance(T0 + kGrace);
        QVERIFY(detector.takeGaps().isEmpty());
        // then one ms later it is missing
        detector.advance(T0 + kGrace + 1);
        const QList<Gap> gaps = detector.takeGaps();
        QCOMPARE(kinds(gaps), QList<QByteArray>{"missing"});
        QCOMPARE(gaps[0].id, QByteArray("lost"));
        QCOMPARE(gaps[0].offset, 7);
        QCOMPARE(gaps[0].kafkaTsMs, T0);
        QCOMPARE(gaps[0].expectedChannel, QByteArray("events:user:octocat"));
        QCOMPARE(gaps[0].redisTsMs, -1);
        QVERIFY(gaps[0].detail.contains(QLatin1String("grace")));
    }

    void notificationAtTheEndOfTheGraceIsInTime()
    {
        GapDetector detector(config());
        detector.addKafka(record("edge", T0));
        detector.advance(T0 + kGrace);
        detector.addRedis(note("edge", T0 + kGrace));
        detector.finish(T0 + 5000);
        QCOMPARE(kinds(detector.takeGaps()), QList<QByteArray>{"late"}); // 2000 > lateMs
        QCOMPARE(detector.counts().matched, 1);
        QCOMPARE(detector.counts().missing, 0);
    }

    void notificationAfterTheGraceRevisesMissingToLate()
    {
        // given a record whose notification comes 2.5 s later, judged missing first
        GapDetector detector(config());
        detector.addKafka(record("slow", T0));
        detector.advance(T0 + 2600);
        QCOMPARE(kinds(detector.takeGaps()), QList<QByteArray>{"missing"});
        QCOMPARE(detector.counts().missing, 1);
        // when it finally arrives
        detector.addRedis(note("slow", T0 + 2500));
        // then the verdict is revised once: matched and late, the gap says what it revises
        const QList<Gap> gaps = detector.takeGaps();
        QCOMPARE(kinds(gaps), QList<QByteArray>{"late"});
        QCOMPARE(gaps[0].revises, std::optional<GapKind>(GapKind::Missing));
        QVERIFY(gaps[0].detail.contains(QLatin1String("reported missing before")));
        const GapCounts c = detector.counts();
        QCOMPARE(c.missing, 0);
        QCOMPARE(c.matched, 1);
        QCOMPARE(c.late, 1);
        QCOMPARE(c.revised, 1);
        // and a further copy is a duplicate, not a second revision
        detector.addRedis(note("slow", T0 + 2700));
        QCOMPARE(kinds(detector.takeGaps()), QList<QByteArray>{"duplicate"});
        QCOMPARE(detector.counts().matched, 1);
        verifyInvariant(detector.counts());
    }

    void notificationAfterTheGraceBeforeAnyVerdictIsMatchedLate()
    {
        // given a checker whose clock has not passed the grace window yet
        GapDetector detector(config());
        detector.addKafka(record("slow", T0));
        detector.advance(T0 + 1000);
        // when the notification comes 2.5 s after the record
        detector.addRedis(note("slow", T0 + 2500));
        // then it is matched and late at once, never missing
        QCOMPARE(kinds(detector.takeGaps()), QList<QByteArray>{"late"});
        QCOMPARE(detector.counts().missing, 0);
        QCOMPARE(detector.counts().matched, 1);
        QCOMPARE(detector.counts().revised, 0);
    }

    void aCheckerThatReadLateJudgesOnDeliveryTime()
    {
        // given a notification Redis delivered 50 ms after its record, that the
        // checker read only 3 s later (it was behind)
        GapDetector detector(config());
        detector.addKafka(record("e", T0));
        RedisObservation late = note("e", T0 + 3050);
        late.deliveredMs = T0 + 50;
        detector.addRedis(late);
        // then it is matched, neither late nor missing, with the system's latency
        QVERIFY(detector.takeGaps().isEmpty());
        QCOMPARE(detector.counts().matched, 1);
        QCOMPARE(detector.latency().max(), 50'000);
    }

    void replayMinutesLaterRevisesMissing()
    {
        // given an event judged missing
        GapDetector detector(config());
        detector.setKafkaCaughtUp(T0, true);
        detector.addKafka(record("gone", T0));
        detector.advance(T0 + kGrace + 1);
        QCOMPARE(kinds(detector.takeGaps()), QList<QByteArray>{"missing"});
        // when its notification is replayed 5 minutes later (far past the short memory)
        detector.advance(T0 + 5 * 60'000);
        detector.addRedis(note("gone", T0 + 5 * 60'000));
        detector.advance(T0 + 5 * 60'000 + kGrace + 1);
        // then the verdict is revised (matched, late): no orphan
        const QList<Gap> gaps = detector.takeGaps();
        QCOMPARE(kinds(gaps), QList<QByteArray>{"late"});
        QCOMPARE(detector.counts().orphan, 0);
        QCOMPARE(detector.counts().missing, 0);
        // and after the long memory, the id is forgotten
        detector.advance(T0 + 5 * 60'000 + 3 * kGrace);
        QCOMPARE(detector.pendingCount(), 0);
    }

    void theLongMemoryIsBoundedInCount()
    {
        GapDetector::Config c = config();
        c.maxRememberedMissing = 100;
        GapDetector detector(c);
        for (int i = 0; i < 300; ++i)
            detector.addKafka(record("m" + QByteArray::number(i), T0 + i));
        detector.advance(T0 + 300 + kGrace + 1);
        QCOMPARE(detector.counts().missing, 300);
        // only the 100 newest verdicts are remembered
        QCOMPARE(detector.pendingCount(), 100);
    }

    void windowEndKeepsLaterTrafficOutside()
    {
        // given a window closed at T0 + 1000 while traffic flows on
        GapDetector detector(config());
        detector.addKafka(record("in", T0 + 900));
        detector.addRedis(note("early-note", T0 + 990)); // its record is stamped after the end
        detector.closeWindow(T0 + 1000);
        detector.addRedis(note("in", T0 + 1100));           // a window event's notification
        detector.addKafka(record("early-note", T0 + 1001)); // outside: no event
        detector.addKafka(record("after", T0 + 1200));      // outside
        detector.addRedis(note("after", T0 + 1250));        // outside
        detector.addRedis(note("stranger", T0 + 1300));     // outside, not an orphan
        // when the clocks pass the end plus the grace window
        detector.finishAt(T0 + 1000 + kGrace + 1, T0 + 1000 + kGrace + 1);
        // then only the window's event is judged: matched, and nothing else
        const GapCounts c = detector.counts();
        QCOMPARE(c.kafkaEvents, 1);
        QCOMPARE(c.matched, 1);
        QCOMPARE(c.orphan, 0);
        QCOMPARE(c.missing, 0);
        QCOMPARE(c.outsideWindowRecords, 2);
        QCOMPARE(c.outsideWindowNotifications, 3);
        verifyInvariant(c);
    }

    void finishBeforeTheClocksMeansUnobservedAndUnjudged()
    {
        // given an event and a notification without a record, and clocks that lag
        GapDetector detector(config());
        detector.addKafka(record("pending", T0));
        detector.addRedis(note("no-record", T0 + 10));
        // when the check ends with the Redis clock short of the event's grace window
        // and the Kafka clock short of the notification's
        detector.finishAt(T0 + 500, T0 + 500);
        // then nothing is called missing or orphan
        const GapCounts c = detector.counts();
        QCOMPARE(c.missing, 0);
        QCOMPARE(c.orphan, 0);
        QCOMPARE(c.unobserved, 1);
        QCOMPARE(c.unjudgedNotifications, 1);
        verifyInvariant(c);
    }

    void keySpreadOncePerKey()
    {
        // given a producer that spreads one key over partitions
        GapDetector detector(config());
        detector.addKafka({0, 0, T0, "octocat", recordJson("a")});
        detector.addKafka({1, 0, T0, "octocat", recordJson("b")});
        detector.addKafka({2, 0, T0, "octocat", recordJson("c")});
        detector.addKafka({0, 1, T0, "other", recordJson("d")});
        // then one key_spread, informational (not a gap of the invariant)
        const QList<Gap> gaps = detector.takeGaps();
        QCOMPARE(kinds(gaps), QList<QByteArray>{"key_spread"});
        QVERIFY(gaps[0].detail.contains(QLatin1String("partitions 0 and 1")));
        QCOMPARE(detector.counts().keySpread, 1);
        QCOMPARE(detector.counts().gapTotal(), 0);
    }

    void reorderedOnAChannel()
    {
        // given three records of one source in order on partition 0
        GapDetector detector(config());
        for (int i = 0; i < 3; ++i)
            detector.addKafka(record("r" + QByteArray::number(i), T0, "octocat", i));
        // when their notifications come 0, 2, 1
        detector.addRedis(note("r0", T0 + 10));
        detector.addRedis(note("r2", T0 + 11));
        detector.addRedis(note("r1", T0 + 12));
        // then one is reordered, all three matched
        const QList<Gap> gaps = detector.takeGaps();
        QCOMPARE(kinds(gaps), QList<QByteArray>{"reordered"});
        QCOMPARE(gaps[0].id, QByteArray("r1"));
        QCOMPARE(detector.counts().matched, 3);
        QCOMPARE(detector.counts().gapTotal(), 0);
    }

    void lateVersusMatchedBoundary()
    {
        GapDetector detector(config());
        detector.addKafka(record("on-time", T0));
        detector.addRedis(note("on-time", T0 + 1000)); // == lateMs: not late
        QVERIFY(detector.takeGaps().isEmpty());
        detector.addKafka(record("late", T0));
        detector.addRedis(note("late", T0 + 1001));
        const QList<Gap> gaps = detector.takeGaps();
        QCOMPARE(kinds(gaps), QList<QByteArray>{"late"});
        QCOMPARE(gaps[0].redisTsMs - gaps[0].kafkaTsMs, 1001);
        QVERIFY(gaps[0].detail.contains(QLatin1String("1001 ms")));
        // late is a flag on a matched event: both count as matched
        QCOMPARE(detector.counts().matched, 2);
        QCOMPARE(detector.counts().late, 1);
    }

    void wrongChannelFirstThenDuplicate()
    {
        // given a record for source octocat
        GapDetector detector(config());
        detector.addKafka(record("e1", T0));
        // when the first copy goes to another source's channel, the second to the right one
        detector.addRedis(note("e1", T0 + 5, "events:user:someone-else"));
        detector.addRedis(note("e1", T0 + 6));
        // then the first copy decides: wrong_channel, and the second is a duplicate
        const QList<Gap> gaps = detector.takeGaps();
        QCOMPARE(kinds(gaps), (QList<QByteArray>{"wrong_channel", "duplicate"}));
        QCOMPARE(gaps[0].channel, QByteArray("events:user:someone-else"));
        QCOMPARE(gaps[0].expectedChannel, QByteArray("events:user:octocat"));
        QCOMPARE(gaps[1].channel, QByteArray("events:user:octocat"));
        QCOMPARE(detector.counts().matched, 0);
        detector.finish(T0 + 10);
        verifyInvariant(detector.counts());
    }

    void matchedFirstThenDuplicateOnAnotherChannel()
    {
        GapDetector detector(config());
        detector.addKafka(record("e1", T0));
        detector.addRedis(note("e1", T0 + 5));
        detector.addRedis(note("e1", T0 + 6, "events:user:other"));
        detector.addRedis(note("e1", T0 + 7));
        const QList<Gap> gaps = detector.takeGaps();
        QCOMPARE(kinds(gaps), (QList<QByteArray>{"duplicate", "duplicate"}));
        QVERIFY(gaps[1].detail.contains(QLatin1String("copy 3")));
        QCOMPARE(detector.counts().matched, 1);
        QCOMPARE(detector.counts().wrongChannel, 0);
    }

    void duplicatesBeforeTheKafkaRecord()
    {
        GapDetector detector(config());
        detector.addRedis(note("e1", T0));
        detector.addRedis(note("e1", T0 + 1));
        QCOMPARE(kinds(detector.takeGaps()), QList<QByteArray>{"duplicate"});
        detector.addKafka(record("e1", T0 - 3));
        QVERIFY(detector.takeGaps().isEmpty());
        QCOMPARE(detector.counts().matched, 1);
    }

    void duplicateAfterTheIdExpired()
    {
        // given an event matched at T0 + 10 (remembered for 2 x grace after that)
        GapDetector detector(config());
        detector.setKafkaCaughtUp(T0, true);
        detector.addKafka(record("e1", T0));
        detector.addRedis(note("e1", T0 + 10));
        // when a copy comes 3 s later, after the grace window
        detector.advance(T0 + 3000);
        detector.addRedis(note("e1", T0 + 3000));
        // then it is still a duplicate
        QCOMPARE(kinds(detector.takeGaps()), QList<QByteArray>{"duplicate"});
        // when the memory window has passed
        detector.advance(T0 + 10 + 2 * kGrace + 1);
        // then the id is forgotten and memory is back to nothing
        QCOMPARE(detector.pendingCount(), 0);
        // and a copy after that is an orphan whose detail names the part of Kafka read
        // and the memory window, never "not in Kafka"
        detector.addRedis(note("e1", T0 + 6000));
        detector.advance(T0 + 6000 + kGrace + 1);
        const QList<Gap> gaps = detector.takeGaps();
        QCOMPARE(kinds(gaps), QList<QByteArray>{"orphan"});
        QVERIFY2(gaps[0].detail.contains(QLatin1String("in the part of Kafka read")) &&
                     gaps[0].detail.contains(QLatin1String("remembers a verdict")),
                 qPrintable(gaps[0].detail));
        QVERIFY(!gaps[0].detail.contains(QLatin1String("not in Kafka")));
        QCOMPARE(detector.counts().duplicate, 1);
    }

    void kafkaRecordRepeatingAnIdIsADuplicate()
    {
        GapDetector detector(config());
        detector.addKafka(record("e1", T0, "octocat", 1));
        detector.addKafka(record("e1", T0 + 1, "octocat", 2));
        const QList<Gap> gaps = detector.takeGaps();
        QCOMPARE(kinds(gaps), QList<QByteArray>{"duplicate"});
        QCOMPARE(gaps[0].offset, 2);
        QVERIFY(gaps[0].detail.contains(QLatin1String("offset 1")));
        detector.addRedis(note("e1", T0 + 5));
        detector.finish(T0 + 10);
        QCOMPARE(detector.counts().kafkaRecords, 2);
        QCOMPARE(detector.counts().kafkaEvents, 1);
        verifyInvariant(detector.counts());
    }

    void unparseable_data()
    {
        QTest::addColumn<bool>("kafkaSide");
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("detailPart");
        const QList<std::pair<QByteArray, QString>> cases = {
            {"{\"id\": ", QStringLiteral("not valid JSON")},
            {"not json at all", QStringLiteral("not valid JSON")},
            {"[1,2]", QStringLiteral("not a JSON object")},
            {"{\"type\":\"x\"}", QStringLiteral("no id at /id")},
            {"{\"id\":42}", QStringLiteral("is a number, not a string")},
            {"{\"id\":null}", QStringLiteral("is null, not a string")},
            {"{\"id\":\"\"}", QStringLiteral("empty string")},
            {"{\"id\":\"\xff\xfe\"}", QStringLiteral("not valid JSON")},
            {"{\"id\":\"a\"} trailing", QStringLiteral("not valid JSON")},
        };
        for (const bool kafka : {true, false}) {
            for (const auto &[json, part] : cases)
                QTest::addRow("%s: %s", kafka ? "kafka" : "redis", json.constData())
                    << kafka << json << part;
        }
    }

    void unparseable()
    {
        QFETCH(bool, kafkaSide);
        QFETCH(QByteArray, json);
        QFETCH(QString, detailPart);
        // given a detector with the tail caught up
        GapDetector detector(config());
        detector.setKafkaCaughtUp(T0, true);
        // when the bad record or notification arrives
        if (kafkaSide)
            detector.addKafka(rawRecord(json));
        else
            detector.addRedis(rawNote(json));
        detector.finish(T0 + 10);
        // then it is unparseable with a detail, and neither missing nor orphan
        const QList<Gap> gaps = detector.takeGaps();
        QCOMPARE(kinds(gaps), QList<QByteArray>{"unparseable"});
        QVERIFY2(gaps[0].detail.contains(detailPart), qPrintable(gaps[0].detail));
        QVERIFY(gaps[0].detail.startsWith(kafkaSide ? QLatin1String("Kafka record")
                                                    : QLatin1String("notification")));
        if (kafkaSide) {
            QCOMPARE(gaps[0].partition, 3);
            QCOMPARE(gaps[0].offset, 42);
        } else {
            QCOMPARE(gaps[0].channel, QByteArray("events:user:octocat"));
        }
        const GapCounts counts = detector.counts();
        QCOMPARE(counts.kafkaEvents, 0);
        QCOMPARE(counts.orphan, 0);
        QCOMPARE(counts.missing, 0);
        verifyInvariant(counts);
    }

    void oversizedBySizeStillMatches()
    {
        // given a notification of 1025 bytes with only scalar members
        GapDetector detector(config());
        detector.addKafka(record("big", T0));
        QByteArray payload = "{\"id\":\"big\",\"type\":\"t\",\"source_id\":\"octocat\",\"note\":\"";
        payload += QByteArray(1025 - payload.size() - 2, 'x') + "\"}";
        QCOMPARE(payload.size(), 1025);
        detector.addRedis({"events:user:octocat", "events:*", payload, T0 + 3});
        // then it is oversized and still matched
        const QList<Gap> gaps = detector.takeGaps();
        QCOMPARE(kinds(gaps), QList<QByteArray>{"oversized"});
        QVERIFY(gaps[0].detail.contains(QLatin1String("1025 bytes")));
        QCOMPARE(gaps[0].expectedChannel, QByteArray("events:user:octocat"));
        QCOMPARE(detector.counts().matched, 1);
        // and 1024 bytes exactly is fine
        payload.remove(payload.size() - 3, 1);
        payload.replace("\"big\"", "\"ok1\"");
        detector.addKafka(record("ok1", T0));
        detector.addRedis({"events:user:octocat", "events:*", payload, T0 + 3});
        QVERIFY(detector.takeGaps().isEmpty());
    }

    void oversizedByPayload_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<bool>("oversized");
        QTest::newRow("payload member") << QByteArray(R"({"id":"e1","payload":{"n":1}})") << true;
        QTest::newRow("payload scalar") << QByteArray(R"({"id":"e1","payload":"x"})") << true;
        QTest::newRow("other object") << QByteArray(R"({"id":"e1","data":{"n":1}})") << true;
        QTest::newRow("array") << QByteArray(R"({"id":"e1","items":[1,2]})") << true;
        QTest::newRow("extra scalar") << QByteArray(R"({"id":"e1","timestamp":"t"})") << false;
        QTest::newRow("contract") << notificationJson("e1") << false;
    }

    void oversizedByPayload()
    {
        QFETCH(QByteArray, json);
        QFETCH(bool, oversized);
        GapDetector detector(config());
        detector.addKafka(record("e1", T0));
        detector.addRedis(rawNote(json, T0 + 1));
        const QList<Gap> gaps = detector.takeGaps();
        QCOMPARE(kinds(gaps), oversized ? QList<QByteArray>{"oversized"} : QList<QByteArray>{});
        if (oversized)
            QVERIFY(gaps[0].detail.contains(QLatin1String("payload")));
        QCOMPARE(detector.counts().matched, 1);
    }

    void unobservedVersusMissingAroundAnOutage_data()
    {
        QTest::addColumn<qint64>("recordTs");
        QTest::addColumn<QByteArray>("kind");
        // outage [T0 + 5000, T0 + 6000]; window of a record: [ts, ts + 2000]
        QTest::newRow("window ends just before") << T0 + 2999 << QByteArray("missing");
        QTest::newRow("window ends at the start") << T0 + 3000 << QByteArray("unobserved");
        QTest::newRow("inside") << T0 + 5500 << QByteArray("unobserved");
        QTest::newRow("starts at the end") << T0 + 6000 << QByteArray("unobserved");
        QTest::newRow("starts just after") << T0 + 6001 << QByteArray("missing");
    }

    void unobservedVersusMissingAroundAnOutage()
    {
        QFETCH(qint64, recordTs);
        QFETCH(QByteArray, kind);
        // given an outage of our own subscription
        GapDetector detector(config());
        detector.redisSubscriptionDown(T0 + 5000, QStringLiteral("connection reset"));
        detector.redisSubscriptionDown(T0 + 5200, QStringLiteral("second report ignored"));
        detector.redisSubscriptionUp(T0 + 6000);
        // when a record without notification is judged
        detector.addKafka(record("e1", recordTs));
        detector.advance(T0 + 20'000);
        // then it is missing or unobserved according to the overlap
        const QList<Gap> gaps = detector.takeGaps();
        QCOMPARE(kinds(gaps), QList<QByteArray>{kind});
        if (kind == "unobserved")
            QVERIFY2(gaps[0].detail.contains(QLatin1String("connection reset")),
                     qPrintable(gaps[0].detail));
        QCOMPARE(detector.outages().size(), 1);
        QCOMPARE(detector.outages()[0],
                 (RedisOutage{T0 + 5000, T0 + 6000, QStringLiteral("connection reset")}));
        verifyInvariant(detector.counts());
    }

    void unobservedWhileStillDownAndBeforeSubscribing()
    {
        GapDetector::Config c = config();
        c.observedSinceMs = T0;
        GapDetector detector(c);
        // a record from before the subscription (read "from beginning")
        detector.addKafka(record("old", T0 - 60'000));
        // and one while the subscription is down (not yet back)
        detector.redisSubscriptionDown(T0 + 1000, QStringLiteral("timeout"));
        detector.addKafka(record("now", T0 + 1500));
        detector.finish(T0 + 2000);
        const QList<Gap> gaps = detector.takeGaps();
        QCOMPARE(kinds(gaps), (QList<QByteArray>{"unobserved", "unobserved"}));
        QVERIFY2(gaps[0].detail.contains(QLatin1String("older than")), qPrintable(gaps[0].detail));
        QVERIFY2(gaps[1].detail.contains(QLatin1String("to now")), qPrintable(gaps[1].detail));
        QCOMPARE(detector.outages()[0].endMs, -1);
        verifyInvariant(detector.counts());
    }

    void matchedDespiteAnOutageIsMatched()
    {
        GapDetector detector(config());
        detector.addKafka(record("e1", T0));
        detector.addRedis(note("e1", T0 + 10));
        detector.redisSubscriptionDown(T0 + 20, QStringLiteral("reset"));
        detector.finish(T0 + 5000);
        QVERIFY(detector.takeGaps().isEmpty());
        QCOMPARE(detector.counts().matched, 1);
    }

    void latencyPercentilesOfKnownData()
    {
        // given 100 events with latencies 1..100 ms
        GapDetector detector(config());
        for (int i = 1; i <= 100; ++i) {
            const QByteArray id = "e" + QByteArray::number(i);
            detector.addKafka(record(id, T0 + i));
            detector.addRedis(note(id, T0 + i + i));
        }
        // then the percentiles are within the histogram's 1/16 precision
        const auto &h = detector.latency();
        QCOMPARE(h.count(), 100);
        for (const auto &[p, exact] : {std::pair{50.0, 50'000}, {90.0, 90'000}, {99.0, 99'000}}) {
            const qint64 got = h.percentile(p);
            QVERIFY2(got >= exact && got <= exact * 1.0625 + 1,
                     qPrintable(QStringLiteral("p%1 = %2").arg(p).arg(got)));
        }
        QCOMPARE(h.max(), 100'000);
        QCOMPARE(h.min(), 1'000);
    }

    void invariantHoldsOnAMixedRun()
    {
        // given a seeded mix: drops, wrong channels, copies, lag, bad JSON, an outage
        QRandomGenerator rng(1234);
        GapDetector detector(config());
        detector.setKafkaCaughtUp(T0, true);
        qint64 now = T0;
        for (int i = 0; i < 20'000; ++i) {
            now = T0 + i / 10;
            const QByteArray id = "id-" + QByteArray::number(i);
            const QByteArray source = "s" + QByteArray::number(i % 37);
            const QByteArray channel = "events:user:" + source;
            const int roll = int(rng.bounded(100));
            if (i == 5000)
                detector.redisSubscriptionDown(now, QStringLiteral("flap"));
            if (i == 6000)
                detector.redisSubscriptionUp(now);
            if (roll < 3)
                detector.addKafka(rawRecord("{broken", now));
            else if (roll < 6)
                detector.addRedis({channel, "events:*", notificationJson("orphan-" + id), now});
            else {
                if (roll >= 10 && roll < 20) // lag: notification first
                    detector.addRedis({channel, "events:*", notificationJson(id, source), now});
                detector.addKafka(record(id, now, source, i));
                const qint64 latency = qint64(rng.bounded(3000));
                if (roll >= 20 && roll < 25)
                    detector.addRedis(
                        {"events:user:nope", "events:*", notificationJson(id), now + latency});
                else if (roll >= 25 && roll < 90)
                    detector.addRedis(
                        {channel, "events:*", notificationJson(id, source), now + latency});
                if (roll >= 85 && roll < 90) // a copy
                    detector.addRedis({channel, "events:*", notificationJson(id, source), now + 5});
            }
            if (i % 100 == 0)
                detector.advance(now);
        }
        detector.finish(now);
        // then every parseable Kafka event is in exactly one of the four buckets
        const GapCounts c = detector.counts();
        verifyInvariant(c);
        QVERIFY(c.matched > 0 && c.missing > 0 && c.wrongChannel > 0 && c.unobserved > 0);
        QVERIFY(c.orphan > 0 && c.duplicate > 0 && c.late > 0 && c.unparseable > 0);
        // and the listed gaps agree with the counts
        GapCounts listed;
        for (const Gap &gap : detector.takeGaps())
            ++listed.of(gap.kind);
        for (const GapKind kind : kAllGapKinds) {
            if (kind != GapKind::Matched)
                QCOMPARE(listed.of(kind), c.of(kind));
        }
    }

    void memoryIsBoundedByTheWindow()
    {
        // given a long run: 1M events at 100 per ms (100k/s), all matched
        GapDetector detector(config());
        detector.setKafkaCaughtUp(T0, true);
        constexpr qint64 kEvents = 1'000'000;
        qint64 peak = 0;
        qint64 now = T0;
        for (qint64 i = 0; i < kEvents; ++i) {
            now = T0 + i / 100;
            const QByteArray id = QByteArray::number(i);
            detector.addKafka(record(id, now));
            detector.addRedis(note(id, now + 3));
            if (i % 1000 == 0) {
                detector.advance(now);
                peak = std::max(peak, detector.pendingCount());
            }
        }
        // then memory held only the window: grace to judge + 2 x grace remembered
        // at 100 events per ms, plus one advance interval
        QVERIFY2(peak <= 100 * (3 * kGrace + 20), qPrintable(QString::number(peak)));
        // and it goes back to nothing once the windows have passed
        detector.advance(now + 3 * kGrace + 10);
        QCOMPARE(detector.pendingCount(), 0);
        QCOMPARE(detector.counts().matched, kEvents);
        QVERIFY(detector.takeGaps().isEmpty());
    }

    void memoryCapDropsAndCounts()
    {
        GapDetector::Config c = config();
        c.maxPendingEntries = 10;
        GapDetector detector(c);
        // notifications that wait for a Kafka tail that never catches up
        for (int i = 0; i < 25; ++i)
            detector.addRedis(note("n" + QByteArray::number(i), T0 + i));
        QCOMPARE(detector.pendingCount(), 10);
        QCOMPARE(detector.counts().droppedNotifications, 15);
        // Kafka events over the cap are judged unobserved, saying why
        for (int i = 0; i < 10; ++i)
            detector.addKafka(record("k" + QByteArray::number(i), T0 + 100));
        QCOMPARE(detector.pendingCount(), 10);
        detector.finish(T0 + 200);
        verifyInvariant(detector.counts());
        QCOMPARE(detector.counts().droppedNotifications, 25);
    }

    void copyOfAnIdForgottenEarlyIsNotAnOrphan()
    {
        // given a cap of 10 entries and 20 events matched: the 10 oldest ids are
        // forgotten before their memory window ends
        GapDetector::Config c = config();
        c.maxPendingEntries = 10;
        GapDetector detector(c);
        detector.advance(T0);
        detector.setKafkaCaughtUp(T0, true);
        for (int i = 0; i < 20; ++i) {
            const QByteArray id = "e" + QByteArray::number(i);
            detector.addKafka(record(id, T0, "octocat", i));
            detector.addRedis(note(id, T0 + 5));
        }
        QCOMPARE(detector.counts().forgottenEarly, 10);
        QVERIFY(detector.takeGaps().isEmpty());
        // when, still within the memory window, a copy of a forgotten id comes, a copy
        // of a remembered one, and a notification of an id Kafka never had
        detector.advance(T0 + 1000);
        detector.addRedis(note("e0", T0 + 1000));
        detector.addRedis(note("e19", T0 + 1000));
        detector.addRedis(note("stranger", T0 + 1000));
        detector.advance(T0 + 1000 + kGrace + 1);
        // then the remembered copy is a duplicate, the stranger an orphan, and the copy
        // of the forgotten id neither: it is counted unjudged
        QList<QByteArray> seen = kinds(detector.takeGaps());
        std::sort(seen.begin(), seen.end());
        QCOMPARE(seen, (QList<QByteArray>{"duplicate", "orphan"}));
        QCOMPARE(detector.counts().unjudgedNotifications, 1);
        // when the memory window of the forgotten ids has passed
        detector.advance(T0 + 5 + 2 * kGrace + 10);
        // then a copy is an orphan as after any memory window (the ids are not held
        // longer than they would have been remembered)
        detector.addRedis(note("e0", T0 + 5 + 2 * kGrace + 10));
        detector.advance(T0 + 5 + 3 * kGrace + 20);
        QCOMPARE(kinds(detector.takeGaps()), QList<QByteArray>{"orphan"});
        detector.finish(T0 + 5 + 3 * kGrace + 20);
        verifyInvariant(detector.counts());
    }

    void repeatedRecordOfAnIdForgottenEarlyIsNotMissing()
    {
        // given 20 events matched under a cap of 10 (the 10 oldest forgotten early)
        GapDetector::Config c = config();
        c.maxPendingEntries = 10;
        GapDetector detector(c);
        detector.advance(T0);
        for (int i = 0; i < 20; ++i) {
            const QByteArray id = "e" + QByteArray::number(i);
            detector.addKafka(record(id, T0, "octocat", i));
            detector.addRedis(note(id, T0 + 5));
        }
        // when a producer retry writes e0's record again, and a new event comes; no
        // notification for either
        detector.advance(T0 + 100);
        detector.addKafka(record("e0", T0 + 100, "octocat", 20));
        detector.addKafka(record("fresh", T0 + 100, "octocat", 21));
        detector.advance(T0 + 100 + kGrace + 1);
        // then the new event is missing, and the repeat is unobserved, saying why: its
        // notification may be the one matched already
        QList<Gap> gaps = detector.takeGaps();
        std::sort(gaps.begin(), gaps.end(), [](const Gap &a, const Gap &b) { return a.id < b.id; });
        QCOMPARE(kinds(gaps), (QList<QByteArray>{"unobserved", "missing"}));
        QCOMPARE(gaps[0].id, QByteArray("e0"));
        QVERIFY2(gaps[0].detail.contains(QLatin1String("forgot early")),
                 qPrintable(gaps[0].detail));
        QCOMPARE(gaps[1].id, QByteArray("fresh"));
        detector.finish(T0 + 100 + kGrace + 1);
        verifyInvariant(detector.counts());
    }

    void fullSpeedUnderAMemoryCapMakesNoFalseGap()
    {
        // given 60,000 events at 20 per ms, each notified 1-40 ms after its record,
        // every 50th notified again 0.5-1.5 s later (a retrying publisher), and a cap
        // of 4,000 entries: far less than the 2 x grace the detector would remember
        constexpr int kEvents = 60'000;
        GapDetector::Config c = config();
        c.maxPendingEntries = 4000;
        GapDetector detector(c);
        QRandomGenerator random(20261203);
        std::multimap<qint64, QByteArray> copies;
        qint64 sentCopies = 0;
        qint64 now = T0;
        detector.advance(now);
        detector.setKafkaCaughtUp(now, true);
        for (int i = 0; i < kEvents; ++i) {
            now = T0 + i / 20;
            const QByteArray id = "id-" + QByteArray::number(i);
            detector.addKafka(record(id, now, "octocat", i));
            copies.emplace(now + 1 + random.bounded(40), id);
            if (i % 50 == 0) {
                copies.emplace(now + 500 + random.bounded(1000), id);
                ++sentCopies;
            }
            while (!copies.empty() && copies.begin()->first <= now) {
                detector.addRedis(note(copies.begin()->second, copies.begin()->first));
                copies.erase(copies.begin());
            }
            if (i % 200 == 0)
                detector.advance(now);
        }
        for (const auto &[atMs, id] : copies) {
            detector.advance(atMs);
            detector.addRedis(note(id, atMs));
        }
        detector.finish(now + 3000);
        // then no gap but duplicates, and every copy is a duplicate or unjudged
        const GapCounts counts = detector.counts();
        QCOMPARE(counts.matched, kEvents);
        QCOMPARE(counts.missing + counts.orphan + counts.unobserved + counts.wrongChannel, 0);
        QCOMPARE(counts.duplicate + counts.unjudgedNotifications, sentCopies);
        QVERIFY2(counts.forgottenEarly > 0, "the cap was never reached: the test tests nothing");
        QVERIFY(detector.pendingCount() <= 4000);
        verifyInvariant(counts);
    }

    void forgottenIdsAreHeldUntilTheyWouldHaveBeenForgotten()
    {
        ForgottenIds forgotten;
        QVERIFY(!forgotten.mayHold("a", T0));
        forgotten.add("a", T0 + 100);
        QVERIFY(forgotten.mayHold("a", T0 + 100));
        QVERIFY(!forgotten.mayHold("b", T0));
        forgotten.expire(T0 + 101);
        QVERIFY(!forgotten.mayHold("a", T0 + 101));
        // more than one generation: each held until its own last time
        const int perGeneration = ForgottenIds::kIdsPerGeneration;
        for (int i = 0; i < perGeneration + 1; ++i)
            forgotten.add("g" + QByteArray::number(i), i < perGeneration ? T0 + 1000 : T0 + 5000);
        forgotten.expire(T0 + 2000);
        QVERIFY(!forgotten.mayHold("g0", T0 + 2000));
        QVERIFY(forgotten.mayHold("g" + QByteArray::number(perGeneration), T0 + 2000));
        // when more generations are needed than are kept, the oldest one's time
        // becomes a horizon before which every id may be forgotten
        for (int i = 0; i < ForgottenIds::kMaxGenerations * perGeneration; ++i)
            forgotten.add("h" + QByteArray::number(i), T0 + 10'000);
        QVERIFY(forgotten.mayHold("never-added", T0 + 5000));
        forgotten.expire(T0 + 10'001);
        QVERIFY(!forgotten.mayHold("never-added", T0 + 10'001));
        QCOMPARE(forgotten.total(),
                 1 + perGeneration + 1 + qint64(ForgottenIds::kMaxGenerations) * perGeneration);
    }

    void futureStampedRecordDoesNotBlockOthers()
    {
        // given a record stamped an hour ahead (skewed producer clock), then a normal one
        GapDetector detector(config());
        detector.advance(T0);
        detector.addKafka(record("future", T0 + 3'600'000));
        detector.addKafka(record("now", T0));
        // when the normal one's window passes
        detector.advance(T0 + kGrace + 1);
        // then it is judged although it is queued behind the future one
        const QList<Gap> gaps = detector.takeGaps();
        QCOMPARE(kinds(gaps), QList<QByteArray>{"missing"});
        QCOMPARE(gaps[0].id, QByteArray("now"));
        // and the future one is still pending until finish()
        detector.advance(T0 + 3 * kGrace);
        QVERIFY(detector.takeGaps().isEmpty());
        detector.finish(T0 + 3 * kGrace);
        QCOMPARE(kinds(detector.takeGaps()), QList<QByteArray>{"missing"});
        verifyInvariant(detector.counts());
    }

    void noExpectedChannelMatchesAnyChannel()
    {
        // given a record without source_type: the default template cannot expand
        GapDetector detector(config());
        const QByteArray value = R"({"id":"e1","type":"t","source_id":"x"})";
        detector.addKafka(rawRecord(value));
        detector.addRedis(rawNote(notificationJson("e1"), T0 + 3));
        QVERIFY(detector.takeGaps().isEmpty());
        QCOMPARE(detector.counts().matched, 1);
        // and a missing one says why the channel was not checked
        detector.addKafka(rawRecord(R"({"id":"e2","type":"t","source_id":"x"})"));
        detector.finish(T0 + 10);
        const QList<Gap> gaps = detector.takeGaps();
        QCOMPARE(kinds(gaps), QList<QByteArray>{"missing"});
        QVERIFY2(gaps[0].detail.contains(QLatin1String("no expected channel")) &&
                     gaps[0].detail.contains(QLatin1String("source_type")),
                 qPrintable(gaps[0].detail));
        QVERIFY(gaps[0].expectedChannel.isEmpty());
    }

    void customFieldMappingAndTemplate()
    {
        // given ids under /meta/event_id and channels "orders:{type}:{source_id}"
        GapDetector::Config c = config();
        c.mapping.kafkaId = "/meta/event_id";
        c.mapping.kafkaType = "/meta/kind";
        c.mapping.kafkaSourceType = "";
        c.mapping.kafkaSourceId = "/origin/id";
        c.mapping.notificationId = "/meta/event_id";
        c.mapping.notificationType = "/meta/kind";
        c.mapping.notificationSourceId = "/origin";
        QString error;
        const auto channelTemplate =
            ChannelTemplate::parse(QStringLiteral("orders:{type}:{source_id}"), &error);
        QVERIFY2(channelTemplate, qPrintable(error));
        c.channelTemplate = *channelTemplate;
        QVERIFY2(GapDetector::validate(c, &error), qPrintable(error));
        GapDetector detector(c);
        // when records (one with a numeric source id) and notifications arrive
        detector.addKafka(rawRecord(
            R"({"meta":{"event_id":"a1","kind":"paid"},"origin":{"id":"shop-9"},"body":{}})"));
        detector.addKafka(
            rawRecord(R"({"meta":{"event_id":"a2","kind":"paid"},"origin":{"id":77}})"));
        detector.addRedis({"orders:paid:shop-9", "orders:*",
                           R"({"meta":{"event_id":"a1","kind":"paid"},"origin":"shop-9"})",
                           T0 + 1});
        detector.addRedis({"orders:paid:77", "orders:*", R"({"meta":{"event_id":"a2"}})", T0 + 1});
        detector.addRedis({"orders:paid:1", "orders:*", R"({"meta":{"event_id":"a1"}})", T0 + 2});
        // then both match (the "meta" object is mapped, not a payload); the copy is a duplicate
        QCOMPARE(kinds(detector.takeGaps()), QList<QByteArray>{"duplicate"});
        QCOMPARE(detector.counts().matched, 2);
        // and the default id pointer no longer finds anything
        detector.addKafka(rawRecord(R"({"id":"x"})"));
        const QList<Gap> gaps = detector.takeGaps();
        QCOMPARE(kinds(gaps), QList<QByteArray>{"unparseable"});
        QVERIFY(gaps[0].detail.contains(QLatin1String("/meta/event_id")));
    }

    void escapedPointerTokens()
    {
        GapDetector::Config c = config();
        c.mapping.kafkaId = "/a~1b/c~0d";
        c.mapping.notificationId = "/a~1b/c~0d";
        GapDetector detector(c);
        detector.addKafka(rawRecord(
            R"({"a/b":{"c~d":"e1"},"type":"t","source_type":"user","source_id":"octocat"})"));
        detector.addRedis(rawNote(R"({"a/b":{"c~d":"e1"}})", T0 + 1));
        QVERIFY(detector.takeGaps().isEmpty());
        QCOMPARE(detector.counts().matched, 1);
    }

    void invalidPointersAreRefused_data()
    {
        QTest::addColumn<QByteArray>("pointer");
        QTest::addColumn<bool>("forId");
        QTest::addColumn<QString>("errorPart");
        QTest::newRow("no slash") << QByteArray("id") << true << QStringLiteral("starts with '/'");
        QTest::newRow("uri fragment")
            << QByteArray("#/id") << true << QStringLiteral("starts with");
        QTest::newRow("bad escape") << QByteArray("/a~2") << true << QStringLiteral("'~'");
        QTest::newRow("trailing tilde") << QByteArray("/a~") << false << QStringLiteral("'~'");
        QTest::newRow("control") << QByteArray("/a\nb") << false << QStringLiteral("control");
        QTest::newRow("empty id") << QByteArray() << true << QStringLiteral("required");
    }

    void invalidPointersAreRefused()
    {
        QFETCH(QByteArray, pointer);
        QFETCH(bool, forId);
        QFETCH(QString, errorPart);
        FieldMapping mapping;
        (forId ? mapping.notificationId : mapping.kafkaSourceId) = pointer;
        QString error;
        QVERIFY(!FieldMapping::validate(mapping, &error));
        QVERIFY2(error.contains(errorPart), qPrintable(error));
        QVERIFY2(error.contains(forId ? QLatin1String("notification id")
                                      : QLatin1String("kafka source_id")),
                 qPrintable(error));
    }

    void validMappingsAndConfig()
    {
        FieldMapping mapping;
        QString error;
        QVERIFY(FieldMapping::validate(mapping, &error));
        mapping.kafkaType = ""; // "not carried"
        mapping.kafkaId = "/a~0b~1c/0";
        QVERIFY2(FieldMapping::validate(mapping, &error), qPrintable(error));
        GapDetector::Config c;
        QVERIFY(GapDetector::validate(c, &error));
        c.graceMs = 0;
        QVERIFY(!GapDetector::validate(c, &error));
        QVERIFY(error.contains(QLatin1String("grace")));
        c = {};
        c.maxPendingEntries = 0;
        QVERIFY(!GapDetector::validate(c, &error));
    }

    void invalidIdPointerMakesEverythingUnparseable()
    {
        // a caller that skipped validate(): no crash, a clear detail
        GapDetector::Config c = config();
        c.mapping.kafkaId = "id";
        GapDetector detector(c);
        detector.addKafka(record("e1", T0));
        const QList<Gap> gaps = detector.takeGaps();
        QCOMPARE(kinds(gaps), QList<QByteArray>{"unparseable"});
        QVERIFY(gaps[0].detail.contains(QLatin1String("not a valid JSON pointer")));
    }

    void orphanJudgedBeforeItsRecordArrives()
    {
        // parallel ordering with a slow Kafka: the notification is an orphan first
        GapDetector detector(config());
        detector.setKafkaCaughtUp(T0, true);
        detector.addRedis(note("e1", T0));
        detector.advance(T0 + kGrace + 1);
        QCOMPARE(kinds(detector.takeGaps()), QList<QByteArray>{"orphan"});
        // when the record arrives after all, it cannot count that copy twice
        detector.addKafka(record("e1", T0 + 2500));
        const QList<Gap> gaps = detector.takeGaps();
        QCOMPARE(kinds(gaps), QList<QByteArray>{"missing"});
        QVERIFY(gaps[0].detail.contains(QLatin1String("orphan")));
        verifyInvariant(detector.counts());
    }

    void aRecordFromBeforeItsPartitionsAssignmentIsUnobserved()
    {
        // given a group member given partition 0 at T0 + 1000
        GapDetector detector(config());
        detector.partitionAssigned(0, T0 + 1000);
        // when a record stamped before it and one after it get no notification
        detector.addKafka(record("before", T0 + 500, "octocat", 1));
        detector.addKafka(record("after", T0 + 1500, "octocat", 2));
        detector.advance(T0 + 10'000);
        // then the first is unobserved (the member that owned it then had its
        // notification), the second missing
        const QList<Gap> gaps = detector.takeGaps();
        QCOMPARE(kinds(gaps), (QList<QByteArray>{"unobserved", "missing"}));
        QVERIFY2(gaps[0].detail.contains(QLatin1String("partition 0 was assigned")),
                 qPrintable(gaps[0].detail));
        verifyInvariant(detector.counts());
    }

    void aNotificationSoonAfterAnAssignmentWithoutARecordIsNotJudged()
    {
        // given partition 0 assigned at T0, and a tail caught up
        GapDetector detector(config());
        detector.partitionAssigned(0, T0);
        detector.setKafkaCaughtUp(T0, true);
        // when notifications mapped to it come within the grace window and after it,
        // without records
        RedisObservation early = note("early", T0 + kGrace - 1);
        early.partition = 0;
        RedisObservation later = note("later", T0 + kGrace + 1);
        later.partition = 0;
        detector.addRedis(early);
        detector.addRedis(later);
        detector.advance(T0 + 10'000);
        // then the early one is not judged (its record may be one the previous owner
        // read) and the later one is an orphan
        const QList<Gap> gaps = detector.takeGaps();
        QCOMPARE(kinds(gaps), QList<QByteArray>{"orphan"});
        QCOMPARE(gaps[0].id, QByteArray("later"));
        QCOMPARE(detector.counts().unjudgedNotifications, 1);
    }

    void aRevokedPartitionsNotificationsCountOnlyForItsRecords()
    {
        // given a member that read record "mine" of partition 0, then lost partition 0
        GapDetector detector(config());
        detector.partitionAssigned(0, T0 - 60'000);
        detector.addKafka(record("mine", T0, "octocat", 5));
        detector.partitionRevoked(0, T0 + 100);
        // when the notifications of "mine" and of an event it never read come
        RedisObservation mine = note("mine", T0 + 200);
        mine.partition = 0;
        RedisObservation theirs = note("theirs", T0 + 300);
        theirs.partition = 0;
        detector.addRedis(mine);
        detector.addRedis(theirs);
        detector.setKafkaCaughtUp(T0 + 400, true);
        detector.finish(T0 + 10'000);
        // then "mine" is matched, and "theirs" is left to the next owner: not counted
        QVERIFY(detector.takeGaps().isEmpty());
        QCOMPARE(detector.counts().matched, 1);
        QCOMPARE(detector.counts().redisNotifications, 1);
        QCOMPARE(detector.counts().unjudgedNotifications, 0);
        // and once the partition is given back, its notifications count again
        detector.partitionAssigned(0, T0 + 20'000);
        RedisObservation back = note("back", T0 + 30'000);
        back.partition = 0;
        detector.addRedis(back);
        QCOMPARE(detector.counts().redisNotifications, 2);
    }

    void aNotificationOnAnotherMembersChannelIsUnobservedNotMissing()
    {
        // given a member whose channel map sends "octocat" to partition 4
        GapDetector::Config c = config();
        c.partitionOfChannel = [](const QByteArray &channel) {
            return channel == "events:user:octocat" ? 4 : 0;
        };
        GapDetector detector(c);
        // when a record of partition 0 for source "octocat" gets no notification here
        detector.addKafka(record("misrouted", T0));
        detector.advance(T0 + 10'000);
        // then it is unobserved: its notification went to the owner of partition 4
        const QList<Gap> gaps = detector.takeGaps();
        QCOMPARE(kinds(gaps), QList<QByteArray>{"unobserved"});
        QVERIFY2(gaps[0].detail.contains(QLatin1String("maps to partition 4")),
                 qPrintable(gaps[0].detail));
    }

    void aRecordReadAgainIsNotADuplicate()
    {
        // given a record read, then read again at the same offset (a partition given
        // back from an older committed offset)
        GapDetector detector(config());
        detector.addKafka(record("e1", T0, "octocat", 9));
        detector.addRedis(note("e1", T0 + 10));
        detector.addKafka(record("e1", T0, "octocat", 9));
        // and a real second record of the id at another offset
        detector.addKafka(record("e1", T0, "octocat", 10));
        detector.finish(T0 + 10'000);
        // then only the second is a duplicate
        QCOMPARE(kinds(detector.takeGaps()), QList<QByteArray>{"duplicate"});
        QCOMPARE(detector.counts().kafkaEvents, 1);
    }

    void takeGapsDrains()
    {
        GapDetector detector(config());
        detector.addKafka(rawRecord("x"));
        QCOMPARE(detector.takeGaps().size(), 1);
        QVERIFY(detector.takeGaps().isEmpty());
        QCOMPARE(detector.counts().unparseable, 1);
        QCOMPARE(detector.counts().kafkaRecords, 1);
    }

    void benchmark()
    {
        // Measured, not asserted: timing depends on the machine and the build.
        const qint64 events = qEnvironmentVariableIntValue("DUALSCOPE_BENCH_EVENTS") > 0
                                  ? qEnvironmentVariableIntValue("DUALSCOPE_BENCH_EVENTS")
                                  : 200'000;
        const DetectorBenchResult r = runDetectorBenchmark(events, 1000);
        qInfo("detector: %lld observations in %.3f s = %.0f observations/s (CPU %.3f s = %.0f "
              "observations per CPU second), peak pending %lld",
              r.observations, r.seconds, r.observationsPerSecond, r.cpuSeconds,
              r.observationsPerCpuSecond, r.peakPending);
        QCOMPARE(r.counts.missing, events / 1000);
        QCOMPARE(r.counts.matched, events - events / 1000);
        QCOMPARE(r.counts.gapTotal(), events / 1000);
        QCOMPARE(r.observations, 2 * events - events / 1000);
    }
};

QTEST_APPLESS_MAIN(TestGapDetector)
#include "tst_gapdetector.moc"
