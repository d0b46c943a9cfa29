// SPDX-License-Identifier: MIT
// rediss:// against a real redis-server with TLS, with a private CA made by openssl
// in this test: a good certificate, a wrong host name, an unknown CA, a plaintext
// peer and a client certificate each end in their own clear message.
#include "clirun.h"
#include "peers.h"
#include "redis/redisconnection.h"
#include "sandbox/kafkamockcluster.h"
#include "sandbox/redisserverprocess.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

using namespace dualscope;

namespace {

quint16 freePort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost);
    return probe.serverPort();
}

// What a connection attempt ended in: ready, or the first error.
struct Attempt
{
    bool ready = false;
    redis::RedisError error;
};

Attempt connectOnce(const redis::RedisUrl &url)
{
    redis::RedisConnection::Options options;
    options.url = url;
    options.reconnect = false;
    options.connectTimeoutMs = 3000;
    redis::RedisConnection connection(options);
    QSignalSpy ready(&connection, &redis::RedisConnection::ready);
    QSignalSpy failed(&connection, &redis::RedisConnection::errorOccurred);
    connection.start();
    if (!QTest::qWaitFor([&] { return !ready.isEmpty() || !failed.isEmpty(); }, 10'000))
        qWarning("neither ready nor an error within 10 s");
    Attempt attempt;
    attempt.ready = !ready.isEmpty();
    if (!failed.isEmpty())
        attempt.error = failed.first().first().value<redis::RedisError>();
    connection.stop();
    return attempt;
}

} // namespace

class TestRedisTls final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        // A CA, another CA nobody uses, and certificates: the server's for 127.0.0.1,
        // one for another host, and a client's.
        QVERIFY(makeCa(QStringLiteral("ca")));
        QVERIFY(makeCa(QStringLiteral("other-ca")));
        QVERIFY(makeCertificate(QStringLiteral("server"), QStringLiteral("IP:127.0.0.1")));
        QVERIFY(makeCertificate(QStringLiteral("elsewhere"), QStringLiteral("DNS:other.example")));
        QVERIFY(makeCertificate(QStringLiteral("client"), QStringLiteral("DNS:client")));
    }

    void goodCertificateConnects()
    {
        QVERIFY(startServer(QStringLiteral("server"), false));
        const Attempt attempt = connectOnce(tlsUrl(QStringLiteral("ca")));
        QVERIFY2(attempt.ready, qPrintable(attempt.error.message));
    }

    void wrongHostNameIsNamed()
    {
        QVERIFY(startServer(QStringLiteral("elsewhere"), false));
        const Attempt attempt = connectOnce(tlsUrl(QStringLiteral("ca")));
        QVERIFY(!attempt.ready);
        QCOMPARE(attempt.error.kind, redis::RedisError::Kind::TlsFailed);
        QVERIFY2(
            attempt.error.message.contains(QLatin1String("not for the host name \"127.0.0.1\"")) &&
                attempt.error.message.contains(QLatin1String("other.example")),
            qPrintable(attempt.error.message));
    }

    void unknownCaIsNamed()
    {
        QVERIFY(startServer(QStringLiteral("server"), false));
        const Attempt attempt = connectOnce(tlsUrl(QStringLiteral("other-ca")));
        QVERIFY(!attempt.ready);
        QCOMPARE(attempt.error.kind, redis::RedisError::Kind::TlsFailed);
        QVERIFY2(attempt.error.message.contains(QLatin1String("signed by a CA this client does not "
                                                              "trust")),
                 qPrintable(attempt.error.message));
        // and without any CA file the system's CAs do not know it either, and the
        // message says how to give one
        redis::RedisUrl url = tlsUrl(QString());
        const Attempt system = connectOnce(url);
        QVERIFY(!system.ready);
        QVERIFY2(system.error.message.contains(QLatin1String("--redis-ca")),
                 qPrintable(system.error.message));
    }

    void plaintextPeerIsNamed()
    {
        QVERIFY(startServer(QStringLiteral("server"), false));
        redis::RedisUrl url = tlsUrl(QStringLiteral("ca"));
        url.port = m_server->port(); // the plaintext port
        const Attempt attempt = connectOnce(url);
        QVERIFY(!attempt.ready);
        QCOMPARE(attempt.error.kind, redis::RedisError::Kind::TlsFailed);
        QVERIFY2(attempt.error.message.contains(QLatin1String("plaintext port")),
                 qPrintable(attempt.error.message));
    }

    void clientCertificateWhenRequired()
    {
        QVERIFY(startServer(QStringLiteral("server"), true));
        // without one: refused, in words
        const Attempt without = connectOnce(tlsUrl(QStringLiteral("ca")));
        QVERIFY(!without.ready);
        QCOMPARE(without.error.kind, redis::RedisError::Kind::TlsFailed);
        QVERIFY2(without.error.message.contains(QLatin1String("client certificate")),
                 qPrintable(without.error.message));
        // with one: in
        redis::RedisUrl url = tlsUrl(QStringLiteral("ca"));
        url.tlsCertFile = file(QStringLiteral("client.crt"));
        url.tlsKeyFile = file(QStringLiteral("client.key"));
        const Attempt with = connectOnce(url);
        QVERIFY2(with.ready, qPrintable(with.error.message));
    }

    void publishOverTlsEndToEnd()
    {
        // The CLI options reach the connection: a notification goes out over TLS, and
        // redis-cli on the plaintext port of the same server sees it.
        QVERIFY(startServer(QStringLiteral("server"), false));
        testing::RedisCliSubscriber subscriber;
        QVERIFY(subscriber.start(m_server->port(), "events:*"));
        sandbox::KafkaMockCluster kafka;
        QString error;
        QVERIFY2(kafka.start(1, &error), qPrintable(error));
        QVERIFY2(kafka.createTopic("events", 1, 1, &error), qPrintable(error));
        const testing::CliResult result = testing::runCli(
            {QStringLiteral("publish"), QStringLiteral("--kafka"),
             QString::fromUtf8(kafka.bootstrap()), QStringLiteral("--redis"),
             QStringLiteral("rediss://127.0.0.1:%1").arg(m_tlsPort), QStringLiteral("--redis-ca"),
             file(QStringLiteral("ca.crt")), QStringLiteral("--count"), QStringLiteral("5"),
             QStringLiteral("--json")});
        QVERIFY2(result.exitCode == 0, result.err.constData());
        QCOMPARE(
            QJsonDocument::fromJson(result.out).object().value(QLatin1String("redis_sent")).toInt(),
            5);
        QCOMPARE(subscriber.messages(5, 10'000).size(), 5);
        // and a CA that does not sign the server's certificate is a configuration error
        const testing::CliResult refused =
            testing::runCli({QStringLiteral("publish"), QStringLiteral("--kafka"),
                             QString::fromUtf8(kafka.bootstrap()), QStringLiteral("--redis"),
                             QStringLiteral("rediss://127.0.0.1:%1").arg(m_tlsPort),
                             QStringLiteral("--redis-ca"), file(QStringLiteral("other-ca.crt"))});
        QCOMPARE(refused.exitCode, 2);
        QVERIFY2(refused.err.contains("does not trust"), refused.err.constData());
    }

    void cleanup() { m_server.reset(); }

private:
    QString file(const QString &name) const { return m_dir.filePath(name); }

    bool openssl(const QStringList &arguments)
    {
        QProcess process;
        process.setWorkingDirectory(m_dir.path());
        process.start(QStringLiteral("openssl"), arguments);
        if (!process.waitForFinished(30'000) || process.exitCode() != 0) {
            qWarning() << "openssl" << arguments << process.readAllStandardError();
            return false;
        }
        return true;
    }

    bool makeCa(const QString &name)
    {
        return openssl({QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                        QStringLiteral("rsa:2048"), QStringLiteral("-nodes"),
                        QStringLiteral("-keyout"), name + QStringLiteral(".key"),
                        QStringLiteral("-out"), name + QStringLiteral(".crt"),
                        QStringLiteral("-days"), QStringLiteral("2"), QStringLiteral("-subj"),
                        QStringLiteral("/CN=Dualscope test ") + name});
    }

    bool makeCertificate(const QString &name, const QString &subjectAltName)
    {
        QFile extensions(file(name + QStringLiteral(".ext")));
        if (!extensions.open(QIODevice::WriteOnly))
            return false;
        extensions.write("subjectAltName=" + subjectAltName.toUtf8() + "\n");
        extensions.close();
        return openssl({QStringLiteral("req"), QStringLiteral("-newkey"),
                        QStringLiteral("rsa:2048"), QStringLiteral("-nodes"),
                        QStringLiteral("-keyout"), name + QStringLiteral(".key"),
                        QStringLiteral("-out"), name + QStringLiteral(".csr"),
                        QStringLiteral("-subj"), QStringLiteral("/CN=") + name}) &&
               openssl({QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"),
                        name + QStringLiteral(".csr"), QStringLiteral("-CA"),
                        QStringLiteral("ca.crt"), QStringLiteral("-CAkey"),
                        QStringLiteral("ca.key"), QStringLiteral("-CAcreateserial"),
                        QStringLiteral("-out"), name + QStringLiteral(".crt"),
                        QStringLiteral("-days"), QStringLiteral("2"), QStringLiteral("-extfile"),
                        name + QStringLiteral(".ext")});
    }

    // redis-server with its plaintext port (for readiness and the plaintext test)
    // and a TLS port serving `certificate`.
    bool startServer(const QString &certificate, bool requireClientCertificate)
    {
        m_tlsPort = freePort();
        sandbox::RedisServerProcess::Options options;
        options.extraArgs = {QStringLiteral("--tls-port"),
                             QString::number(m_tlsPort),
                             QStringLiteral("--tls-cert-file"),
                             file(certificate + QStringLiteral(".crt")),
                             QStringLiteral("--tls-key-file"),
                             file(certificate + QStringLiteral(".key")),
                             QStringLiteral("--tls-ca-cert-file"),
                             file(QStringLiteral("ca.crt")),
                             QStringLiteral("--tls-auth-clients"),
                             requireClientCertificate ? QStringLiteral("yes")
                                                      : QStringLiteral("no")};
        m_server = std::make_unique<sandbox::RedisServerProcess>(options);
        QString error;
        if (!m_server->start(&error)) {
            qWarning().noquote() << error;
            return false;
        }
        return true;
    }

    redis::RedisUrl tlsUrl(const QString &caName) const
    {
        redis::RedisUrl url;
        url.host = QStringLiteral("127.0.0.1");
        url.port = m_tlsPort;
        url.tls = true;
        if (!caName.isEmpty())
            url.tlsCaFile = file(caName + QStringLiteral(".crt"));
        return url;
    }

    QTemporaryDir m_dir;
    std::unique_ptr<sandbox::RedisServerProcess> m_server;
    quint16 m_tlsPort = 0;
};

QTEST_GUILESS_MAIN(TestRedisTls)
#include "tst_redistls.moc"
