// SPDX-License-Identifier: MIT
#include "redis/redismonitor.h"
#include "redis/redisurl.h"
#include "sandbox/redisserverprocess.h"

#include <QProcess>
#include <QSignalSpy>
#include <QTest>

using namespace dualscope;
using redis::PubSubMessage;
using redis::RedisConnection;
using redis::RedisMonitor;

namespace {

RedisConnection::Options optionsFor(const sandbox::RedisServerProcess &server)
{
    RedisConnection::Options options;
    options.url = *redis::RedisUrl::parse(server.url());
    return options;
}

// A plain client that publishes and runs commands for the test.
class Client
{
public:
    explicit Client(const sandbox::RedisServerProcess &server) : m_connection(optionsFor(server))
    {
        QSignalSpy ready(&m_connection, &RedisConnection::ready);
        m_connection.start();
        if (!ready.wait(5000))
            qWarning("the test client did not connect");
    }
    redis::RespReply command(const QList<QByteArray> &argv)
    {
        redis::RespReply result;
        bool done = false;
        m_connection.send(argv, [&](const redis::RespReply &reply) {
            result = reply;
            done = true;
        });
        if (!QTest::qWaitFor([&] { return done; }, 5000))
            qWarning("no reply within 5 s");
        return result;
    }
    void publishMany(const QByteArray &channel, int count, const QByteArray &payload = "x")
    {
        QList<QList<QByteArray>> commands;
        for (int i = 0; i < count; ++i)
            commands.append({"PUBLISH", channel, payload + QByteArray::number(i)});
        int replies = 0;
        m_connection.sendPipeline(commands, [&](const redis::RespReply &) { ++replies; });
        if (!QTest::qWaitFor([&] { return replies == count; }, 10'000))
            qWarning("publishing did not finish within 10 s");
    }

private:
    RedisConnection m_connection;
};

struct Collected
{
    QList<PubSubMessage> messages;
    int batches = 0;
    void attach(RedisMonitor *monitor, QObject *context)
    {
        QObject::connect(monitor, &RedisMonitor::messages, context,
                         [this](const QList<PubSubMessage> &batch) {
                             messages += batch;
                             ++batches;
                         });
    }
};

} // namespace

class TestRedisMonitor final : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        m_server = std::make_unique<sandbox::RedisServerProcess>();
        QString error;
        QVERIFY2(m_server->start(&error), qPrintable(error));
    }
    void cleanup() { m_server.reset(); }

    void patternAndChannelSubscriptionsDeliverInBatches()
    {
        // given a monitor on events:* and on the exact channel "alerts"
        RedisMonitor monitor({optionsFor(*m_server)});
        QVERIFY(monitor.subscribe("events:*", true));
        QVERIFY(monitor.subscribe("alerts", false));
        Collected got;
        got.attach(&monitor, this);
        QSignalSpy subscribed(&monitor, &RedisMonitor::subscribed);
        monitor.start();
        QVERIFY(subscribed.wait(5000));
        // when 10,000 notifications and one alert are published
        Client client(*m_server);
        const qint64 before = QDateTime::currentMSecsSinceEpoch();
        client.publishMany("events:user:1", 10'000);
        client.command({"PUBLISH", "alerts", "fire"});
        client.command({"PUBLISH", "other", "ignored"});
        QTRY_COMPARE_WITH_TIMEOUT(got.messages.size(), 10'001, 10'000);
        // then they came in batches, with channel, pattern, payload and receive time
        QVERIFY2(got.batches < 1000, qPrintable(QString::number(got.batches)));
        const PubSubMessage &first = got.messages.first();
        QCOMPARE(first.channel, QByteArray("events:user:1"));
        QCOMPARE(first.pattern, QByteArray("events:*"));
        QCOMPARE(first.payload, QByteArray("x0"));
        QVERIFY(first.receivedMs >= before);
        QCOMPARE(got.messages.last().channel, QByteArray("alerts"));
        QVERIFY(got.messages.last().pattern.isEmpty());
        // and per-channel counters
        const QList<redis::ChannelStats> stats = monitor.channelStats();
        QCOMPARE(stats.size(), 2);
        for (const redis::ChannelStats &channel : stats)
            QCOMPARE(channel.messages, channel.channel == "alerts" ? 1 : 10'000);
    }

    void oneServerSubscriptionPerPatternSharedByConsumers()
    {
        RedisMonitor monitor({optionsFor(*m_server)});
        QSignalSpy subscribed(&monitor, &RedisMonitor::subscribed);
        monitor.start();
        QVERIFY(subscribed.wait(5000));
        Client client(*m_server);
        // given two consumers of the same pattern
        QVERIFY(monitor.subscribe("events:*", true));
        QVERIFY(monitor.subscribe("events:*", true));
        QTRY_COMPARE_WITH_TIMEOUT(client.command({"PUBSUB", "NUMPAT"}).integer, 1, 5000);
        // when one leaves, the server subscription stays
        monitor.unsubscribe("events:*", true);
        QTest::qWait(100);
        QCOMPARE(client.command({"PUBSUB", "NUMPAT"}).integer, 1);
        // when the last leaves, it goes
        monitor.unsubscribe("events:*", true);
        QTRY_COMPARE_WITH_TIMEOUT(client.command({"PUBSUB", "NUMPAT"}).integer, 0, 5000);
        // and a new one added live works
        Collected got;
        got.attach(&monitor, this);
        QVERIFY(monitor.subscribe("live:?", true));
        QTRY_COMPARE_WITH_TIMEOUT(client.command({"PUBSUB", "NUMPAT"}).integer, 1, 5000);
        client.command({"PUBLISH", "live:1", "hello"});
        QTRY_COMPARE_WITH_TIMEOUT(got.messages.size(), 1, 5000);
    }

    void eachSubscriptionIsConfirmedToItsConsumer()
    {
        // given a running monitor
        RedisMonitor monitor({optionsFor(*m_server)});
        QSignalSpy subscribed(&monitor, &RedisMonitor::subscribed);
        QSignalSpy confirmed(&monitor, &RedisMonitor::subscriptionConfirmed);
        monitor.start();
        QVERIFY(subscribed.wait(5000));
        // when a pattern is added, then Redis's confirmation is passed on, with its time
        const qint64 before = QDateTime::currentMSecsSinceEpoch();
        QVERIFY(monitor.subscribe("events:*", true));
        QVERIFY(confirmed.wait(5000));
        QCOMPARE(confirmed.size(), 1);
        QCOMPARE(confirmed.at(0).at(0).toByteArray(), QByteArray("events:*"));
        QCOMPARE(confirmed.at(0).at(1).toBool(), true);
        QVERIFY(confirmed.at(0).at(2).toLongLong() >= before);
        // and a message published after it arrives
        Collected got;
        got.attach(&monitor, this);
        Client client(*m_server);
        client.command({"PUBLISH", "events:a", "after"});
        QTRY_COMPARE_WITH_TIMEOUT(got.messages.size(), 1, 5000);
        // when a second consumer asks for the same pattern, no command goes to Redis,
        // and it is told at once that the subscription holds
        QVERIFY(monitor.subscribe("events:*", true));
        QCOMPARE(confirmed.size(), 2);
        QCOMPARE(confirmed.at(1).at(0).toByteArray(), QByteArray("events:*"));
        // and an exact channel is confirmed as a channel
        QVERIFY(monitor.subscribe("alerts", false));
        QVERIFY(confirmed.wait(5000));
        QCOMPARE(confirmed.at(2).at(0).toByteArray(), QByteArray("alerts"));
        QCOMPARE(confirmed.at(2).at(1).toBool(), false);
    }

    void malformedPatternsAreRefused_data()
    {
        QTest::addColumn<QByteArray>("pattern");
        QTest::addColumn<QString>("why");
        QTest::newRow("empty") << QByteArray() << "empty";
        QTest::newRow("unclosed bracket") << QByteArray("events:[ab") << "never closed";
        QTest::newRow("space") << QByteArray("events: x") << "whitespace";
        QTest::newRow("newline") << QByteArray("events:\n") << "control";
    }
    void malformedPatternsAreRefused()
    {
        QFETCH(QByteArray, pattern);
        QFETCH(QString, why);
        RedisMonitor monitor({optionsFor(*m_server)});
        QString error;
        QVERIFY(!monitor.subscribe(pattern, true, &error));
        QVERIFY2(error.contains(why), qPrintable(error));
        QVERIFY(redis::validatePattern("events:[ab]*", &error));
        QVERIFY(redis::validatePattern("events:\\[*", &error));
    }

    void outageIsRecordedAndSubscriptionsComeBack()
    {
        RedisMonitor monitor({optionsFor(*m_server)});
        QVERIFY(monitor.subscribe("events:*", true));
        Collected got;
        got.attach(&monitor, this);
        QSignalSpy subscribed(&monitor, &RedisMonitor::subscribed);
        QSignalSpy started(&monitor, &RedisMonitor::outageStarted);
        QSignalSpy ended(&monitor, &RedisMonitor::outageEnded);
        monitor.start();
        QVERIFY(subscribed.wait(5000));
        // when redis-server goes away and comes back on the same port
        m_server->stop();
        QVERIFY(started.wait(5000));
        QString error;
        QVERIFY2(m_server->restart(&error), qPrintable(error));
        QVERIFY(ended.wait(8000));
        // then the outage has a start, an end and a cause, and messages flow again
        const QList<redis::SubscriptionOutage> outages = monitor.outages();
        QCOMPARE(outages.size(), 1);
        QVERIFY(outages.first().endMs >= outages.first().startMs);
        QVERIFY(!outages.first().cause.isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(monitor.isFullySubscribed(), 5000);
        Client client(*m_server);
        client.command({"PUBLISH", "events:a:b", "after"});
        QTRY_COMPARE_WITH_TIMEOUT(got.messages.size(), 1, 5000);
    }

    void serverDisconnectForFallingBehindIsToldApart()
    {
        // given a server that disconnects pub/sub clients over 64 kB of backlog
        Client client(*m_server);
        QVERIFY(client.command({"CONFIG", "SET", "client-output-buffer-limit", "pubsub 64kb 0 0"})
                    .isStatus("OK"));
        RedisMonitor monitor({optionsFor(*m_server)});
        QVERIFY(monitor.subscribe("events:*", true));
        QSignalSpy subscribed(&monitor, &RedisMonitor::subscribed);
        QSignalSpy started(&monitor, &RedisMonitor::outageStarted);
        monitor.start();
        QVERIFY(subscribed.wait(5000));
        // when 40 MB are published by another process while the monitor's thread is
        // blocked (waitForFinished does not run the event loop): it falls behind
        const QByteArray big(2000, 'x');
        QProcess flood;
        flood.start(QStringLiteral("redis-benchmark"),
                    {QStringLiteral("-p"), QString::number(m_server->port()), QStringLiteral("-c"),
                     QStringLiteral("1"), QStringLiteral("-n"), QStringLiteral("20000"),
                     QStringLiteral("-P"), QStringLiteral("64"), QStringLiteral("-q"),
                     QStringLiteral("PUBLISH"), QStringLiteral("events:x:y"),
                     QString::fromLatin1(big)});
        QVERIFY(flood.waitForFinished(30'000)); // blocks this thread: the monitor falls behind
        // then the server cut us off, and the outage says the server closed it
        QVERIFY(started.wait(5000) || !started.isEmpty());
        const redis::SubscriptionOutage outage =
            started.first().first().value<redis::SubscriptionOutage>();
        QVERIFY2(outage.closedByServer, qPrintable(outage.cause));
    }

    void aFullBufferPausesReadingAndLosesNothing()
    {
        // given a monitor that holds at most 100 messages between batches of 1 s
        RedisMonitor::Options options{optionsFor(*m_server)};
        options.bufferLimit = 100;
        options.batchIntervalMs = 1000;
        RedisMonitor monitor(options);
        QVERIFY(monitor.subscribe("events:*", true));
        Collected got;
        got.attach(&monitor, this);
        QSignalSpy subscribed(&monitor, &RedisMonitor::subscribed);
        monitor.start();
        QVERIFY(subscribed.wait(5000));
        // when 1,000 messages come at once
        QSignalSpy batches(&monitor, &RedisMonitor::messages);
        Client client(*m_server);
        client.publishMany("events:a:b", 1000);
        // then the first batch holds no more than the buffer: reading paused there
        QVERIFY(batches.wait(5000));
        const auto first = batches.first().first().value<QList<PubSubMessage>>();
        QVERIFY2(first.size() <= 100, qPrintable(QString::number(first.size())));
        // and in the end every message arrives: Redis held the rest
        QTRY_COMPARE_WITH_TIMEOUT(got.messages.size(), 1000, 20'000);
        QCOMPARE(monitor.receivedMessages(), 1000);
    }

    void activeChannelsArePolled()
    {
        RedisMonitor::Options options{optionsFor(*m_server)};
        options.activeChannelPollMs = 100;
        RedisMonitor monitor(options);
        QVERIFY(monitor.subscribe("events:a:b", false));
        QVERIFY(monitor.subscribe("events:*", true));
        QSignalSpy polled(&monitor, &RedisMonitor::activeChannelsPolled);
        monitor.start();
        QTRY_VERIFY_WITH_TIMEOUT(
            !polled.isEmpty() &&
                polled.last().first().value<redis::ActiveChannels>().channels.size() == 1,
            5000);
        const redis::ActiveChannels active = polled.last().first().value<redis::ActiveChannels>();
        QCOMPARE(active.channels.first().first, QByteArray("events:a:b"));
        QCOMPARE(active.channels.first().second, 1);
        QCOMPARE(active.patternSubscriptions, 1);
    }

    void unreachableAtStartIsAnOutageUntilRedisComes()
    {
        // given a port where no Redis runs yet
        sandbox::RedisServerProcess later;
        QString error;
        QVERIFY2(later.start(&error), qPrintable(error));
        const RedisConnection::Options options = optionsFor(later);
        later.stop();
        RedisMonitor monitor({options});
        QVERIFY(monitor.subscribe("events:*", true));
        QSignalSpy failed(&monitor, &RedisMonitor::startFailed);
        QSignalSpy started(&monitor, &RedisMonitor::outageStarted);
        QSignalSpy ended(&monitor, &RedisMonitor::outageEnded);
        QSignalSpy subscribed(&monitor, &RedisMonitor::subscribed);
        // when the monitor starts, then the unreachable Redis is an outage, not an error
        monitor.start();
        QVERIFY(started.wait(5000));
        const auto outage = started.first().first().value<redis::SubscriptionOutage>();
        QVERIFY(outage.beforeFirstSubscription);
        QVERIFY2(outage.cause.contains(QLatin1String("could not be reached")),
                 qPrintable(outage.cause));
        // and when Redis comes on that port, the outage ends and the pattern is watched
        QVERIFY2(later.restart(&error), qPrintable(error));
        QVERIFY(subscribed.wait(10'000));
        QCOMPARE(ended.size(), 1);
        QCOMPARE(started.size(), 1); // one outage, however many attempts failed
        QVERIFY(failed.isEmpty());
        Client client(later);
        QSignalSpy batches(&monitor, &RedisMonitor::messages);
        client.publishMany("events:a:b", 3);
        QTRY_COMPARE_WITH_TIMEOUT(monitor.receivedMessages(), 3, 5000);
    }

    void wrongPasswordIsAStartError()
    {
        // given a Redis that wants a password we do not give
        sandbox::RedisServerProcess guarded({QStringLiteral("s3cret"), {}, 5000});
        QString error;
        QVERIFY2(guarded.start(&error), qPrintable(error));
        RedisMonitor monitor({optionsFor(guarded)});
        QSignalSpy failed(&monitor, &RedisMonitor::startFailed);
        QSignalSpy outages(&monitor, &RedisMonitor::outageStarted);
        // when the monitor starts, then it fails at once: retrying cannot fix that
        monitor.start();
        QVERIFY(failed.wait(5000));
        QVERIFY2(failed.first().first().toString().contains(QLatin1String("password")),
                 qPrintable(failed.first().first().toString()));
        QVERIFY(outages.isEmpty());
    }

private:
    std::unique_ptr<sandbox::RedisServerProcess> m_server;
};

QTEST_GUILESS_MAIN(TestRedisMonitor)
#include "tst_redismonitor.moc"
