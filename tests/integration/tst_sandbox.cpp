// SPDX-License-Identifier: MIT
#include "peers.h"
#include "sandbox/redisserverprocess.h"
#include "sandbox/sandbox.h"

#include <QTcpSocket>
#include <QTest>

using namespace dualscope;

namespace {

QByteArray redisPing(quint16 port)
{
    QTcpSocket socket;
    socket.connectToHost(QStringLiteral("127.0.0.1"), port);
    if (!socket.waitForConnected(1000))
        return {};
    socket.write("PING\r\n");
    if (!socket.waitForReadyRead(1000))
        return {};
    return socket.readAll().trimmed();
}

QByteArray kcatMetadata(const QByteArray &bootstrap)
{
    QProcess kcat;
    kcat.start(testing::toolPath("DUALSCOPE_KCAT", "kcat"),
               {QStringLiteral("-L"), QStringLiteral("-b"), QString::fromUtf8(bootstrap)});
    kcat.waitForFinished(20'000);
    return kcat.readAllStandardOutput();
}

} // namespace

class TestSandbox final : public QObject
{
    Q_OBJECT

private slots:
    void startsRealPeersThatOtherClientsSee()
    {
        // given a sandbox with the defaults
        sandbox::Sandbox box;
        QString error;
        QVERIFY2(box.start(&error), qPrintable(error));
        // then the bootstrap is three loopback brokers
        const QList<QByteArray> brokers = box.kafkaBootstrap().split(',');
        QCOMPARE(brokers.size(), 3);
        for (const QByteArray &broker : brokers)
            QVERIFY2(broker.startsWith("127.0.0.1:") || broker.startsWith("localhost:"),
                     broker.constData());
        // and kcat sees the topic with 6 partitions and 3 brokers
        const QByteArray metadata = kcatMetadata(box.kafkaBootstrap());
        QVERIFY2(metadata.contains("3 brokers"), metadata.constData());
        QVERIFY2(metadata.contains("topic \"events\" with 6 partitions"), metadata.constData());
        QVERIFY2(metadata.contains("replicas: 1,2,3") || metadata.contains("replicas: 2,3,1") ||
                     metadata.contains("replicas: 3,1,2") || metadata.count("replicas:") == 6,
                 metadata.constData());
        // and redis-server answers on the URL's port
        QVERIFY(box.redisUrl().startsWith(QLatin1String("redis://127.0.0.1:")));
        QCOMPARE(redisPing(box.redis().port()), QByteArray("+PONG"));
        QVERIFY(box.description().contains(QLatin1String("5 MB")));
    }

    void redisFaultTakesItDownAndBackOnTheSamePort()
    {
        sandbox::Sandbox box;
        QString error;
        QVERIFY2(box.start(&error), qPrintable(error));
        const quint16 port = box.redis().port();
        // when Redis is taken down
        QVERIFY(box.setRedisDown(true, &error));
        // then nothing answers, and the sandbox says so
        QVERIFY(box.isRedisDown());
        QCOMPARE(redisPing(port), QByteArray());
        // when it is brought back, it is on the same port
        QVERIFY2(box.setRedisDown(false, &error), qPrintable(error));
        QCOMPARE(box.redis().port(), port);
        QCOMPARE(redisPing(port), QByteArray("+PONG"));
    }

    void brokerFaultsAreValidated()
    {
        sandbox::Sandbox box;
        QString error;
        QVERIFY2(box.start(&error), qPrintable(error));
        QVERIFY(!box.kafka().setBrokerDown(7, true, &error));
        QVERIFY2(error.contains(QLatin1String("1..3")), qPrintable(error));
        QVERIFY(box.kafka().setBrokerDown(2, true, &error));
        QVERIFY(box.kafka().isBrokerDown(2));
        QVERIFY(box.kafka().setBrokerDown(2, false, &error));
        QVERIFY(!box.kafka().isBrokerDown(2));
        QVERIFY(box.kafka().setBrokerRtt(-1, 50, &error));
        QVERIFY(!box.kafka().setBrokerRtt(1, -5, &error));
        QVERIFY(box.kafka().pushRequestErrors(
            *sandbox::KafkaMockCluster::apiKeyByName(QStringLiteral("Produce")), {6}, &error));
    }

    void namesOfApisAndErrors()
    {
        using sandbox::KafkaMockCluster;
        QCOMPARE(KafkaMockCluster::apiKeyByName(QStringLiteral("produce")), qint16(0));
        QCOMPARE(KafkaMockCluster::apiKeyByName(QStringLiteral("Metadata")), qint16(3));
        QVERIFY(!KafkaMockCluster::apiKeyByName(QStringLiteral("Bogus")));
        QCOMPARE(KafkaMockCluster::errorCodeByName(QStringLiteral("NOT_LEADER_FOR_PARTITION")), 6);
        QVERIFY(!KafkaMockCluster::errorCodeByName(QStringLiteral("NO_SUCH_THING")));
    }

    void topicThatDoesNotFitIsRefused()
    {
        sandbox::SandboxOptions options;
        options.brokers = 1;
        options.replicationFactor = 3;
        sandbox::Sandbox box(options);
        QString error;
        QVERIFY(!box.start(&error));
        QVERIFY2(error.contains(QLatin1String("does not fit")), qPrintable(error));
    }

    void missingRedisServerIsAClearError()
    {
        const QByteArray saved = qgetenv("DUALSCOPE_REDIS_SERVER");
        qputenv("DUALSCOPE_REDIS_SERVER", "/nonexistent/redis-server");
        sandbox::Sandbox box;
        QString error;
        const bool started = box.start(&error);
        qputenv("DUALSCOPE_REDIS_SERVER", saved);
        QVERIFY(!started);
        QVERIFY2(error.contains(QLatin1String("redis-server")), qPrintable(error));
    }
};

QTEST_GUILESS_MAIN(TestSandbox)
#include "tst_sandbox.moc"
