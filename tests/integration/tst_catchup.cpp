// SPDX-License-Identifier: MIT
#include "check/catchup.h"
#include "event/eventcodec.h"
#include "generate/eventtemplate.h"
#include "peers.h"
#include "publish/dualpublisher.h"
#include "publish/publishrun.h"
#include "redis/redisurl.h"
#include "sandbox/redisserverprocess.h"
#include "sandbox/sandbox.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QSet>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>
#include <algorithm>
#include <tuple>

using namespace dualscope;
using check::CatchUpFeed;
using check::FeedItem;
using publish::DualPublisher;
using publish::PublishOutcome;

namespace {

constexpr int kWaitMs = 20'000;

std::unique_ptr<DualPublisher> startPublisher(const sandbox::Sandbox &box, QString *error)
{
    publish::PublisherConfig config;
    config.kafkaBootstrap = box.kafkaBootstrap();
    config.redisUrl = *redis::RedisUrl::parse(box.redisUrl(), error);
    config.reportOutcomes = true;
    auto publisher = std::make_unique<DualPublisher>(config);
    QSignalSpy started(publisher.get(), &DualPublisher::started);
    QSignalSpy failed(publisher.get(), &DualPublisher::startFailed);
    publisher->start();
    (void)QTest::qWaitFor([&] { return !started.isEmpty() || !failed.isEmpty(); }, 15'000);
    if (started.isEmpty()) {
        *error = failed.isEmpty() ? QStringLiteral("neither started() nor startFailed()")
                                  : failed.first().first().toString();
        return nullptr;
    }
    return publisher;
}

std::unique_ptr<publish::PublishRun> makeRun(DualPublisher *publisher, qint64 count, double rate)
{
    generate::TemplateError error;
    auto tmpl = generate::EventTemplate::compile(
        R"({"type":"order.created","source_type":"user","source_id":"user",
            "payload":{"seq":"{{seq}}"}})",
        &error);
    Q_ASSERT(tmpl);
    tmpl->setSourceSpread(20);
    publish::RunConfig config;
    config.count = count;
    config.rate = rate;
    config.batch = 10;
    return std::make_unique<publish::PublishRun>(publisher, *tmpl, config);
}

// The ids of every outcome, in ticket order; counts what Kafka acknowledged.
struct OutcomeLog
{
    QList<QByteArray> ids;
    int kafkaFailed = 0;

    void attach(DualPublisher *publisher, QObject *context)
    {
        QObject::connect(publisher, &DualPublisher::outcomesReady, context,
                         [this](const QList<PublishOutcome> &outcomes) {
                             for (const PublishOutcome &outcome : outcomes) {
                                 ids.append(outcome.eventId);
                                 if (!outcome.kafkaOk)
                                     ++kafkaFailed;
                             }
                         });
    }
};

struct KcatRecord
{
    qint32 partition = -1;
    qint64 offset = -1;
    qint64 timestampMs = -1;
    QByteArray id;
};

// Every record of the topic with its timestamp, read by kcat (not our code).
QList<KcatRecord> kcatRecords(const QByteArray &bootstrap, const QByteArray &topic)
{
    QProcess kcat;
    kcat.start(testing::toolPath("DUALSCOPE_KCAT", "kcat"),
               {QStringLiteral("-C"), QStringLiteral("-b"), QString::fromUtf8(bootstrap),
                QStringLiteral("-t"), QString::fromUtf8(topic), QStringLiteral("-o"),
                QStringLiteral("beginning"), QStringLiteral("-e"), QStringLiteral("-q"),
                QStringLiteral("-f"), QStringLiteral("%p\\t%o\\t%T\\t%s\\n")});
    if (!kcat.waitForFinished(60'000) || kcat.exitCode() != 0)
        return {};
    QList<KcatRecord> records;
    const QList<QByteArray> lines = kcat.readAllStandardOutput().split('\n');
    for (const QByteArray &line : lines) {
        const QList<QByteArray> fields = line.split('\t');
        if (fields.size() != 4)
            continue;
        event::CodecError error;
        const auto decoded = event::decodeEvent(fields[3], &error);
        records.append({fields[0].toInt(), fields[1].toLongLong(), fields[2].toLongLong(),
                        decoded ? decoded->id : QByteArray()});
    }
    return records;
}

// What a feed emits, on the test's thread.
struct FeedLog
{
    QList<FeedItem> recent;
    int recentSignals = 0;
    QList<FeedItem> live;
    QStringList failures;
    bool subscribed = false;

    void attach(CatchUpFeed *feed, QObject *context)
    {
        QObject::connect(feed, &CatchUpFeed::subscribed, context, [this] { subscribed = true; });
        QObject::connect(feed, &CatchUpFeed::recentEvents, context,
                         [this](const QList<FeedItem> &items) {
                             recent = items;
                             ++recentSignals;
                         });
        QObject::connect(feed, &CatchUpFeed::live, context,
                         [this](const QList<FeedItem> &items) { live += items; });
        QObject::connect(feed, &CatchUpFeed::failed, context,
                         [this](const QString &why) { failures.append(why); });
    }
};

QSet<QByteArray> idsOf(const QList<FeedItem> &items)
{
    QSet<QByteArray> ids;
    for (const FeedItem &item : items)
        ids.insert(item.id);
    return ids;
}

} // namespace

class TestCatchUp final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        qRegisterMetaType<publish::RunSummary>();
        qRegisterMetaType<QList<PublishOutcome>>();
    }

    void idWindowForgetsTheOldestFirst()
    {
        // given a window of three ids
        check::IdWindow window(3);
        // when four distinct ids and a repeat go in
        QVERIFY(window.insert("a"));
        QVERIFY(window.insert("b"));
        QVERIFY(!window.insert("a"));
        QVERIFY(window.insert("c"));
        QVERIFY(window.insert("d"));
        // then the oldest is forgotten and the size stays bounded
        QCOMPARE(window.size(), qsizetype(3));
        QVERIFY(!window.contains("a"));
        QVERIFY(window.contains("b") && window.contains("c") && window.contains("d"));
        QVERIFY(window.insert("a"));
        QVERIFY(!window.contains("b"));
    }

    void midStreamClientSeesRecentThenLiveEachOnce_data()
    {
        QTest::addColumn<bool>("followKafka");
        // The second batch starts once the cut through the topic was taken (the
        // first page is in), or as soon as the feed is subscribed: then some of it
        // lands before the cut and is loaded while its notifications are buffered.
        QTest::addColumn<bool>("afterCut");
        QTest::newRow("after-cut redis-only") << false << true;
        QTest::newRow("after-cut redis+kafka-tail") << true << true;
        QTest::newRow("before-cut redis+kafka-tail") << true << false;
    }

    void midStreamClientSeesRecentThenLiveEachOnce()
    {
        QFETCH(bool, followKafka);
        QFETCH(bool, afterCut);
        // given 300 events already published
        sandbox::Sandbox box;
        QString error;
        QVERIFY2(box.start(&error), qPrintable(error));
        auto publisher = startPublisher(box, &error);
        QVERIFY2(publisher, qPrintable(error));
        OutcomeLog outcomes;
        outcomes.attach(publisher.get(), this);
        {
            auto first = makeRun(publisher.get(), 300, 0);
            QSignalSpy finished(first.get(), &publish::PublishRun::finished);
            first->start();
            QVERIFY(finished.wait(kWaitMs));
        }
        QTRY_COMPARE_WITH_TIMEOUT(outcomes.ids.size(), 300, 5000);
        const QSet<QByteArray> firstBatch(outcomes.ids.cbegin(), outcomes.ids.cend());
        // and every broker answering 300 ms late, so the Kafka load is slow
        QVERIFY2(box.kafka().setBrokerRtt(-1, 300, &error), qPrintable(error));

        // when a feed of the last 100 connects, and 200 more events go out at 200/s
        // while its pages load
        check::CatchUpConfig config;
        config.kafkaBootstrap = box.kafkaBootstrap();
        config.redisUrl = *redis::RedisUrl::parse(box.redisUrl(), &error);
        config.recentCount = 100;
        config.dedupWindow = 1000;
        config.followKafka = followKafka;
        // At 300 ms a round trip, the metadata takes ~4 s and each page ~2.5 s.
        config.connectTimeoutMs = 10'000;
        config.loadTimeoutMs = 60'000;
        CatchUpFeed feed(config);
        FeedLog log;
        log.attach(&feed, this);
        int pagesLoaded = 0;
        connect(&feed, &CatchUpFeed::loadProgress, this, [&](int done) { pagesLoaded = done; });
        QElapsedTimer clock;
        clock.start();
        feed.start();
        QTRY_VERIFY_WITH_TIMEOUT(log.subscribed || !log.failures.isEmpty(), kWaitMs);
        QVERIFY2(log.failures.isEmpty(), qPrintable(log.failures.join(u'\n')));
        if (afterCut) {
            QTRY_VERIFY_WITH_TIMEOUT(pagesLoaded > 0 || !log.failures.isEmpty(), kWaitMs);
            QVERIFY2(log.recentSignals == 0, "the load must still be running");
        }
        auto second = makeRun(publisher.get(), 200, 200);
        QSignalSpy secondFinished(second.get(), &publish::PublishRun::finished);
        second->start();
        QTRY_VERIFY_WITH_TIMEOUT(log.recentSignals == 1 || !log.failures.isEmpty(), kWaitMs);
        QVERIFY2(log.failures.isEmpty(), qPrintable(log.failures.join(u'\n')));
        const qint64 loadedAfterMs = clock.elapsed();
        QVERIFY(secondFinished.wait(kWaitMs) || !secondFinished.isEmpty());
        QTRY_COMPARE_WITH_TIMEOUT(outcomes.ids.size(), 500, 5000);
        QCOMPARE(outcomes.kafkaFailed, 0);
        const QList<QByteArray> secondIds = outcomes.ids.mid(300);
        const QSet<QByteArray> secondBatch(secondIds.cbegin(), secondIds.cend());
        // every event of the second batch shows up (a copy would come soon after)
        const auto shown = [&] { return idsOf(log.recent) + idsOf(log.live); };
        QTRY_VERIFY_WITH_TIMEOUT(shown().contains(secondBatch), kWaitMs);
        QTest::qWait(500);
        const check::CatchUpCounters counters = feed.counters();
        const QHash<qint32, qint64> ends = feed.pageEnds();
        feed.stop();
        QVERIFY2(box.kafka().setBrokerRtt(-1, 0, &error), qPrintable(error));

        // then recentEvents holds the 100 newest events of what Kafka held when the
        // pages were cut, oldest first, exactly as kcat reads them
        QList<KcatRecord> kafka = kcatRecords(box.kafkaBootstrap(), "events");
        QCOMPARE(kafka.size(), 500);
        QList<KcatRecord> beforeCut;
        for (const KcatRecord &record : std::as_const(kafka)) {
            QVERIFY(ends.contains(record.partition));
            if (record.offset < ends.value(record.partition))
                beforeCut.append(record);
        }
        std::sort(beforeCut.begin(), beforeCut.end(), [](const auto &a, const auto &b) {
            return std::tie(a.timestampMs, a.partition, a.offset) <
                   std::tie(b.timestampMs, b.partition, b.offset);
        });
        QList<QByteArray> expectedRecent;
        for (qsizetype i = std::max<qsizetype>(0, beforeCut.size() - 100); i < beforeCut.size();
             ++i)
            expectedRecent.append(beforeCut[i].id);
        QList<QByteArray> recentIds;
        for (const FeedItem &item : std::as_const(log.recent)) {
            QCOMPARE(item.source, FeedItem::Kafka);
            QVERIFY(item.partition >= 0 && item.offset >= 0);
            recentIds.append(item.id);
        }
        QCOMPARE(recentIds.size(), 100);
        QCOMPARE(recentIds, expectedRecent);
        if (afterCut) {
            // and, the second batch coming after the cut, they are exactly the 100
            // newest of the first batch
            QList<KcatRecord> first;
            for (const KcatRecord &record : std::as_const(kafka)) {
                if (firstBatch.contains(record.id))
                    first.append(record);
            }
            std::sort(first.begin(), first.end(), [](const auto &a, const auto &b) {
                return std::tie(a.timestampMs, a.partition, a.offset) <
                       std::tie(b.timestampMs, b.partition, b.offset);
            });
            QList<QByteArray> newestOfFirst;
            for (qsizetype i = first.size() - 100; i < first.size(); ++i)
                newestOfFirst.append(first[i].id);
            QCOMPARE(recentIds, newestOfFirst);
        }
        const qsizetype recentOfFirst =
            std::count_if(recentIds.cbegin(), recentIds.cend(),
                          [&](const QByteArray &id) { return firstBatch.contains(id); });
        qInfo("loaded after %lld ms: %lld of the 100 recent events are from the first batch, "
              "%lld were published after the feed subscribed",
              loadedAfterMs, qint64(recentOfFirst), qint64(100 - recentOfFirst));
        // and every event published after the subscription is shown exactly once:
        // in recentEvents or in live(), never in both, never twice in live()
        QList<QByteArray> liveIds;
        for (const FeedItem &item : std::as_const(log.live))
            liveIds.append(item.id);
        const QSet<QByteArray> liveSet(liveIds.cbegin(), liveIds.cend());
        QCOMPARE(liveSet.size(), liveIds.size());
        QVERIFY(!liveSet.intersects(idsOf(log.recent)));
        QCOMPARE(liveSet + (idsOf(log.recent) & secondBatch), secondBatch);
        QVERIFY(!liveSet.intersects(firstBatch));
        // and the notifications that arrived while the pages loaded were not lost:
        // some were delivered after the load, the rest dropped as already loaded
        qInfo("counters: loaded %lld, live %lld (from Kafka %lld), duplicates %lld, "
              "buffered delivered %lld, buffered dropped %lld",
              counters.loaded, counters.liveDelivered, counters.liveFromKafka,
              counters.duplicatesDropped, counters.bufferedDelivered, counters.bufferedDropped);
        QVERIFY(counters.bufferedDelivered > 0);
        if (!afterCut)
            QVERIFY(counters.bufferedDropped > 0);
        if (followKafka)
            QVERIFY(counters.duplicatesDropped > 0); // the copies of the slower stream
        QCOMPARE(counters.loaded, qint64(100));
        QCOMPARE(counters.liveDelivered, qint64(liveIds.size()));
        QCOMPARE(counters.unparseable, qint64(0));
        QCOMPARE(counters.bufferOverflow, qint64(0));
        if (!followKafka)
            QCOMPARE(counters.liveFromKafka, qint64(0));
        // every buffered copy of a loaded event was dropped, and so was any later one
        QVERIFY(counters.duplicatesDropped >= counters.bufferedDropped);
    }

    void unknownTopicFailsWithinTheTimeout()
    {
        // given a sandbox without the topic "no-such-topic"
        sandbox::Sandbox box;
        QString error;
        QVERIFY2(box.start(&error), qPrintable(error));
        check::CatchUpConfig config;
        config.kafkaBootstrap = box.kafkaBootstrap();
        config.redisUrl = *redis::RedisUrl::parse(box.redisUrl(), &error);
        config.topic = "no-such-topic";
        config.connectTimeoutMs = 3000;
        CatchUpFeed feed(config);
        FeedLog log;
        log.attach(&feed, this);
        // when the feed starts
        QElapsedTimer clock;
        clock.start();
        feed.start();
        // then it fails, naming the topic, within the timeout, and nothing else follows
        QTRY_VERIFY_WITH_TIMEOUT(!log.failures.isEmpty(), 5000);
        QVERIFY(clock.elapsed() < 5000);
        QCOMPARE(log.failures.size(), 1);
        QVERIFY2(log.failures.first().contains(QLatin1String("no-such-topic")),
                 qPrintable(log.failures.first()));
        QCOMPARE(log.recentSignals, 0);
        QVERIFY(log.live.isEmpty());
    }

    void unreachableRedisFailsWithinTheTimeout()
    {
        // given a port nobody listens on
        QTcpServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost));
        const quint16 port = server.serverPort();
        server.close();
        check::CatchUpConfig config;
        config.kafkaBootstrap = "127.0.0.1:1";
        config.redisUrl.port = port;
        config.connectTimeoutMs = 2000;
        CatchUpFeed feed(config);
        FeedLog log;
        log.attach(&feed, this);
        // when the feed starts
        QElapsedTimer clock;
        clock.start();
        feed.start();
        // then it fails on Redis, before Kafka is asked anything
        QTRY_VERIFY_WITH_TIMEOUT(!log.failures.isEmpty(), 4000);
        QVERIFY(clock.elapsed() < 4000);
        QVERIFY2(log.failures.first().startsWith(QLatin1String("Redis: ")),
                 qPrintable(log.failures.first()));
        QVERIFY(!log.subscribed);
    }
};

QTEST_GUILESS_MAIN(TestCatchUp)
#include "tst_catchup.moc"
