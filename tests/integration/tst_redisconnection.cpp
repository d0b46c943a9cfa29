// SPDX-License-Identifier: MIT
#include "redis/rediscommand.h"
#include "redis/redisconnection.h"
#include "redis/respparser.h"
#include "sandbox/redisserverprocess.h"

#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QThread>
#include <memory>
#include <optional>

using dualscope::redis::RedisConnection;
using dualscope::redis::RedisError;
using dualscope::redis::RedisUrl;
using dualscope::redis::RespParser;
using dualscope::redis::RespReply;
using dualscope::sandbox::RedisServerProcess;

namespace {

// Generous bounds for a loaded 2-core CI machine; none of them is waited out on success.
constexpr int ReadyTimeoutMs = 5000;
constexpr int ReplyTimeoutMs = 5000;

RedisConnection::Options optionsFor(const QString &url)
{
    RedisConnection::Options options;
    QString error;
    const auto parsed = RedisUrl::parse(url, &error);
    if (!parsed)
        qFatal("bad test URL %s: %s", qPrintable(url), qPrintable(error));
    options.url = *parsed;
    return options;
}

QString urlWith(const RedisServerProcess &server, const QString &userinfo, int db = 0)
{
    QString url =
        QStringLiteral("redis://") + userinfo + QStringLiteral("127.0.0.1:%1").arg(server.port());
    if (db != 0)
        url += QStringLiteral("/%1").arg(db);
    return url;
}

RedisError errorAt(const QSignalSpy &spy, qsizetype i)
{
    return qvariant_cast<RedisError>(spy.at(i).at(0));
}

// Sends one command and waits (bounded, event loop running) for its reply.
std::optional<RespReply> call(RedisConnection &connection, const QList<QByteArray> &argv)
{
    std::optional<RespReply> result;
    if (!connection.send(argv, [&result](const RespReply &reply) { result = reply; }))
        return std::nullopt;
    if (!QTest::qWaitFor([&result] { return result.has_value(); }, ReplyTimeoutMs))
        return std::nullopt;
    return result;
}

quint16 unusedPort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort(); // closed when probe goes out of scope
}

// A TCP peer on loopback that answers each read with responder(bytes).
class FakePeer final : public QObject
{
public:
    using Responder = std::function<QByteArray(const QByteArray &)>;
    FakePeer(Responder responder, bool closeAfterAnswer)
        : m_responder(std::move(responder)), m_closeAfterAnswer(closeAfterAnswer)
    {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                connect(socket, &QIODevice::readyRead, this, [this, socket] {
                    const QByteArray answer = m_responder(socket->readAll());
                    if (!answer.isEmpty())
                        socket->write(answer);
                    if (m_closeAfterAnswer)
                        socket->disconnectFromHost();
                });
            }
        });
    }
    bool listen() { return m_server.listen(QHostAddress::LocalHost, 0); }
    quint16 port() const { return m_server.serverPort(); }

private:
    QTcpServer m_server;
    Responder m_responder;
    bool m_closeAfterAnswer;
};

} // namespace

class TestRedisConnection final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void handshakeThenPingSetGet();
    void refusesCommandsWhenNotReady();
    void pipelineOf10000PublishesArrivesInOrder();
    void sendRawCarriesPreformattedBatch();
    void passwordAuthSucceeds();
    void wrongPasswordIsAuthFailed();
    void missingPasswordIsAuthFailed();
    void aclUserAuthenticates();
    void selectsDatabase();
    void badDatabaseIsSelectFailed();
    void unreachablePortFailsQuickly();
    void httpPeerIsNotRedis();
    void silentPeerTimesOut();
    void garbageAfterReadyIsProtocolError();
    void commandTimeoutFailsPendingAndReconnects();
    void serverKilledFailsPendingOnceThenReconnects();
    void clientKillIsServerClosed();
    void worksFromWorkerThread();
    void serverProcessExplainsMissingExecutable();

private:
    std::unique_ptr<RedisServerProcess>
    startServer(const RedisServerProcess::Options &options = {});
    bool startReady(RedisConnection &connection);

    std::unique_ptr<RedisServerProcess> m_server; // shared by tests that do not need their own
};

std::unique_ptr<RedisServerProcess>
TestRedisConnection::startServer(const RedisServerProcess::Options &options)
{
    auto server = std::make_unique<RedisServerProcess>(options);
    QString error;
    if (!server->start(&error)) {
        qWarning("cannot start redis-server: %s", qPrintable(error));
        return nullptr;
    }
    return server;
}

bool TestRedisConnection::startReady(RedisConnection &connection)
{
    QSignalSpy readySpy(&connection, &RedisConnection::ready);
    connection.start();
    return readySpy.wait(ReadyTimeoutMs) && connection.state() == RedisConnection::State::Ready;
}

void TestRedisConnection::initTestCase()
{
    // The child's start-up chatter hides the interesting lines of a failure.
    QLoggingCategory::setFilterRules(QStringLiteral("dualscope.sandbox.debug=false"));
    m_server = startServer();
    QVERIFY(m_server);
    QVERIFY(m_server->isRunning());
    QVERIFY(m_server->url().startsWith(QLatin1String("redis://127.0.0.1:")));
}

void TestRedisConnection::handshakeThenPingSetGet()
{
    // Given a running server
    RedisConnection connection(optionsFor(m_server->url()));
    QSignalSpy states(&connection, &RedisConnection::stateChanged);
    // When started
    QVERIFY(startReady(connection));
    // Then it went through the handshake to Ready
    QCOMPARE(states.size(), 3);
    QCOMPARE(states.at(0).at(0).value<RedisConnection::State>(),
             RedisConnection::State::Connecting);
    QCOMPARE(states.at(1).at(0).value<RedisConnection::State>(),
             RedisConnection::State::Handshaking);
    QCOMPARE(states.at(2).at(0).value<RedisConnection::State>(), RedisConnection::State::Ready);
    // And commands get their replies
    const auto pong = call(connection, {"PING"});
    QVERIFY(pong && pong->isStatus("PONG"));
    const auto set = call(connection, {"SET", "dualscope:test:k", QByteArray("v\0\r\n", 4)});
    QVERIFY(set && set->isStatus("OK"));
    const auto get = call(connection, {"GET", "dualscope:test:k"});
    QVERIFY(get);
    QCOMPARE(get->type, RespReply::Type::String);
    QCOMPARE(get->text, QByteArray("v\0\r\n", 4));
    const auto missing = call(connection, {"GET", "dualscope:test:absent"});
    QVERIFY(missing && missing->isNil());
    QCOMPARE(connection.pendingCount(), 0);

    connection.stop();
    QCOMPARE(connection.state(), RedisConnection::State::Disconnected);
}

void TestRedisConnection::refusesCommandsWhenNotReady()
{
    // Given a connection that was never started
    RedisConnection connection(optionsFor(m_server->url()));
    bool called = false;
    // When commands are sent, then they are refused and no handler is ever called
    QVERIFY(!connection.send({"PING"}, [&called](const RespReply &) { called = true; }));
    QVERIFY(!connection.sendPipeline({{"PING"}}, [&called](const RespReply &) { called = true; }));
    QVERIFY(!connection.sendRaw(dualscope::redis::formatCommand({"PING"}), 1,
                                [&called](const RespReply &) { called = true; }));
    QCOMPARE(connection.pendingCount(), 0);
    QVERIFY(!called);
}

void TestRedisConnection::pipelineOf10000PublishesArrivesInOrder()
{
    constexpr int Count = 10000;
    // Given a ready connection and a raw subscriber on the channel
    RedisConnection connection(optionsFor(m_server->url()));
    QVERIFY(startReady(connection));
    QTcpSocket subscriber;
    subscriber.connectToHost(QHostAddress::LocalHost, m_server->port());
    QVERIFY(subscriber.waitForConnected(ReplyTimeoutMs));
    subscriber.write(dualscope::redis::formatCommand({"SUBSCRIBE", "dualscope:pipeline"}));
    RespParser subscriberParser;
    QList<QByteArray> received;
    bool subscribed = false;
    connect(&subscriber, &QIODevice::readyRead, this, [&] {
        subscriberParser.feed(subscriber.readAll());
        while (auto message = subscriberParser.next()) {
            if (message->elements.size() == 3 && message->elements.at(0).text == "message")
                received.append(message->elements.at(2).text);
            else if (message->elements.value(0).text == "subscribe")
                subscribed = true;
        }
    });
    QTRY_VERIFY_WITH_TIMEOUT(subscribed, ReplyTimeoutMs);

    // When 10,000 PUBLISH commands go out as one pipeline
    QList<QList<QByteArray>> commands;
    for (int i = 0; i < Count; ++i)
        commands.append({"PUBLISH", "dualscope:pipeline", QByteArray::number(i)});
    int replies = 0;
    int badReplies = 0;
    QVERIFY(connection.sendPipeline(commands, [&](const RespReply &reply) {
        ++replies;
        // One subscriber: every PUBLISH reaches exactly one client.
        if (reply.type != RespReply::Type::Integer || reply.integer != 1)
            ++badReplies;
    }));
    QCOMPARE(connection.pendingCount(), Count);

    // Then every command gets its reply and the messages arrive in the order sent
    QTRY_COMPARE_WITH_TIMEOUT(replies, Count, 10000);
    QCOMPARE(badReplies, 0);
    QCOMPARE(connection.pendingCount(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(received.size(), Count, 10000);
    for (int i = 0; i < Count; ++i)
        QCOMPARE(received.at(i), QByteArray::number(i));
    QVERIFY(!subscriberParser.hasError());
}

void TestRedisConnection::sendRawCarriesPreformattedBatch()
{
    // Given a ready connection and a batch formatted by the caller
    RedisConnection connection(optionsFor(m_server->url()));
    QVERIFY(startReady(connection));
    QByteArray batch;
    dualscope::redis::appendCommand(batch, {"DEL", "dualscope:raw"});
    dualscope::redis::appendCommand(batch, {"INCR", "dualscope:raw"});
    dualscope::redis::appendCommand(batch, {"INCR", "dualscope:raw"});
    // When sent raw
    QList<RespReply> replies;
    QVERIFY(connection.sendRaw(batch, 3, [&replies](const RespReply &r) { replies.append(r); }));
    // Then the handler sees the three replies in order
    QTRY_COMPARE_WITH_TIMEOUT(replies.size(), 3, ReplyTimeoutMs);
    QCOMPARE(replies.at(0).type, RespReply::Type::Integer);
    QCOMPARE(replies.at(1).integer, 1);
    QCOMPARE(replies.at(2).integer, 2);
}

void TestRedisConnection::passwordAuthSucceeds()
{
    // Given a server that requires a password
    auto server = startServer({QStringLiteral("s3cret-pass"), {}, 5000});
    QVERIFY(server);
    // When connecting with it, then the connection is ready and usable
    RedisConnection connection(optionsFor(urlWith(*server, QStringLiteral(":s3cret-pass@"))));
    QVERIFY(startReady(connection));
    const auto pong = call(connection, {"PING"});
    QVERIFY(pong && pong->isStatus("PONG"));
}

void TestRedisConnection::wrongPasswordIsAuthFailed()
{
    // Given a server that requires a password
    auto server = startServer({QStringLiteral("s3cret-pass"), {}, 5000});
    QVERIFY(server);
    RedisConnection::Options options = optionsFor(urlWith(*server, QStringLiteral(":wrong-pw@")));
    options.backoffInitialMs = 50;
    RedisConnection connection(options);
    QSignalSpy errors(&connection, &RedisConnection::errorOccurred);
    // When connecting with a wrong password
    connection.start();
    // Then AuthFailed comes quickly with a plain message that does not leak the password
    QVERIFY(errors.wait(ReadyTimeoutMs));
    const RedisError error = errorAt(errors, 0);
    QCOMPARE(error.kind, RedisError::Kind::AuthFailed);
    QVERIFY2(error.message.contains(QStringLiteral("refused AUTH")), qPrintable(error.message));
    QVERIFY2(error.message.contains(QStringLiteral("WRONGPASS")), qPrintable(error.message));
    QVERIFY2(error.message.contains(QString::number(server->port())), qPrintable(error.message));
    QVERIFY(!error.message.contains(QLatin1String("wrong-pw")));
    QCOMPARE(connection.state(), RedisConnection::State::WaitingToReconnect);
    // And it keeps retrying (the server config may change), reporting each attempt
    QVERIFY(errors.wait(ReadyTimeoutMs));
    QCOMPARE(errorAt(errors, 1).kind, RedisError::Kind::AuthFailed);
    connection.stop();
    QCOMPARE(connection.state(), RedisConnection::State::Disconnected);
}

void TestRedisConnection::missingPasswordIsAuthFailed()
{
    // Given a server that requires a password, and a URL without one
    auto server = startServer({QStringLiteral("s3cret-pass"), {}, 5000});
    QVERIFY(server);
    RedisConnection::Options options = optionsFor(server->url());
    options.reconnect = false;
    RedisConnection connection(options);
    QSignalSpy errors(&connection, &RedisConnection::errorOccurred);
    // When connecting
    connection.start();
    // Then the user learns that a password is required, and nothing retries
    QVERIFY(errors.wait(ReadyTimeoutMs));
    const RedisError error = errorAt(errors, 0);
    QCOMPARE(error.kind, RedisError::Kind::AuthFailed);
    QVERIFY2(error.message.contains(QStringLiteral("requires a password")),
             qPrintable(error.message));
    QCOMPARE(connection.state(), RedisConnection::State::Disconnected);
}

void TestRedisConnection::aclUserAuthenticates()
{
    // Given an ACL user created on the server
    RedisConnection admin(optionsFor(m_server->url()));
    QVERIFY(startReady(admin));
    const auto created =
        call(admin, {"ACL", "SETUSER", "alice", "on", ">secret", "~*", "&*", "+@all"});
    QVERIFY(created && created->isStatus("OK"));

    // When connecting as that user, then the server knows us as alice
    RedisConnection alice(optionsFor(urlWith(*m_server, QStringLiteral("alice:secret@"))));
    QVERIFY(startReady(alice));
    const auto whoami = call(alice, {"ACL", "WHOAMI"});
    QVERIFY(whoami);
    QCOMPARE(whoami->text, QByteArray("alice"));

    // And a wrong password for alice is AuthFailed naming the user, not the password
    RedisConnection::Options options =
        optionsFor(urlWith(*m_server, QStringLiteral("alice:nope@")));
    options.reconnect = false;
    RedisConnection wrong(options);
    QSignalSpy errors(&wrong, &RedisConnection::errorOccurred);
    wrong.start();
    QVERIFY(errors.wait(ReadyTimeoutMs));
    const RedisError error = errorAt(errors, 0);
    QCOMPARE(error.kind, RedisError::Kind::AuthFailed);
    QVERIFY2(error.message.contains(QLatin1String("\"alice\"")), qPrintable(error.message));
    QVERIFY(!error.message.contains(QLatin1String("nope")));

    call(admin, {"ACL", "DELUSER", "alice"});
}

void TestRedisConnection::selectsDatabase()
{
    // Given a connection on db 3 and one on db 0
    RedisConnection db3(optionsFor(urlWith(*m_server, QString(), 3)));
    RedisConnection db0(optionsFor(urlWith(*m_server, QString(), 0)));
    QVERIFY(startReady(db3));
    QVERIFY(startReady(db0));
    // When a key is set in db 3
    const auto set = call(db3, {"SET", "dualscope:db3only", "x"});
    QVERIFY(set && set->isStatus("OK"));
    // Then db 3 has it and db 0 does not
    const auto in3 = call(db3, {"GET", "dualscope:db3only"});
    QVERIFY(in3);
    QCOMPARE(in3->text, QByteArray("x"));
    const auto in0 = call(db0, {"GET", "dualscope:db3only"});
    QVERIFY(in0 && in0->isNil());
}

void TestRedisConnection::badDatabaseIsSelectFailed()
{
    // Given a db index beyond the server's 16 databases
    RedisConnection::Options options = optionsFor(urlWith(*m_server, QString(), 99));
    options.reconnect = false;
    RedisConnection connection(options);
    QSignalSpy errors(&connection, &RedisConnection::errorOccurred);
    // When connecting, then SelectFailed quotes the server's reason
    connection.start();
    QVERIFY(errors.wait(ReadyTimeoutMs));
    const RedisError error = errorAt(errors, 0);
    QCOMPARE(error.kind, RedisError::Kind::SelectFailed);
    QVERIFY2(error.message.contains(QLatin1String("database 99")), qPrintable(error.message));
    QVERIFY2(error.message.contains(QLatin1String("out of range")), qPrintable(error.message));
}

void TestRedisConnection::unreachablePortFailsQuickly()
{
    // Given a port with nothing listening
    const quint16 port = unusedPort();
    QVERIFY(port != 0);
    RedisConnection::Options options = optionsFor(QStringLiteral("redis://127.0.0.1:%1").arg(port));
    options.reconnect = false;
    RedisConnection connection(options);
    QSignalSpy errors(&connection, &RedisConnection::errorOccurred);
    QElapsedTimer clock;
    clock.start();
    // When connecting
    connection.start();
    // Then Unreachable comes at once (a refused connect), not after the connect timeout
    QVERIFY(errors.wait(ReadyTimeoutMs));
    QVERIFY2(clock.elapsed() < 1000, qPrintable(QString::number(clock.elapsed())));
    const RedisError error = errorAt(errors, 0);
    QCOMPARE(error.kind, RedisError::Kind::Unreachable);
    QVERIFY2(error.message.contains(QStringLiteral("127.0.0.1:%1").arg(port)),
             qPrintable(error.message));
    QCOMPARE(connection.state(), RedisConnection::State::Disconnected);
}

void TestRedisConnection::httpPeerIsNotRedis()
{
    // Given a peer that answers like a web server and hangs up
    FakePeer peer([](const QByteArray &) { return QByteArray("HTTP/1.1 400 Bad Request\r\n\r\n"); },
                  true);
    QVERIFY(peer.listen());
    RedisConnection::Options options =
        optionsFor(QStringLiteral("redis://127.0.0.1:%1").arg(peer.port()));
    options.reconnect = false;
    RedisConnection connection(options);
    QSignalSpy errors(&connection, &RedisConnection::errorOccurred);
    // When connecting
    connection.start();
    // Then NotRedis, quoting what answered
    QVERIFY(errors.wait(ReadyTimeoutMs));
    const RedisError error = errorAt(errors, 0);
    QCOMPARE(error.kind, RedisError::Kind::NotRedis);
    QVERIFY2(error.message.contains(QLatin1String("did not answer like a Redis server")),
             qPrintable(error.message));
    QVERIFY2(error.message.contains(QLatin1String("HTTP/1.1 400")), qPrintable(error.message));
}

void TestRedisConnection::silentPeerTimesOut()
{
    // Given a peer that accepts and never answers
    FakePeer peer([](const QByteArray &) { return QByteArray(); }, false);
    QVERIFY(peer.listen());
    RedisConnection::Options options =
        optionsFor(QStringLiteral("redis://127.0.0.1:%1").arg(peer.port()));
    options.reconnect = false;
    options.connectTimeoutMs = 300;
    RedisConnection connection(options);
    QSignalSpy errors(&connection, &RedisConnection::errorOccurred);
    QElapsedTimer clock;
    clock.start();
    // When connecting
    connection.start();
    // Then the connect deadline ends it, as ConnectTimeout, without hanging
    QVERIFY(errors.wait(ReadyTimeoutMs));
    QVERIFY(clock.elapsed() >= 250);
    QVERIFY2(clock.elapsed() < 2000, qPrintable(QString::number(clock.elapsed())));
    const RedisError error = errorAt(errors, 0);
    QCOMPARE(error.kind, RedisError::Kind::ConnectTimeout);
    QVERIFY2(error.message.contains(QLatin1String("did not answer the Redis handshake")),
             qPrintable(error.message));
}

void TestRedisConnection::garbageAfterReadyIsProtocolError()
{
    // Given a peer that passes the handshake, then answers garbage
    FakePeer peer(
        [](const QByteArray &request) {
            return request.contains("PING") ? QByteArray("+PONG\r\n") : QByteArray("?what\r\n");
        },
        false);
    QVERIFY(peer.listen());
    RedisConnection::Options options =
        optionsFor(QStringLiteral("redis://127.0.0.1:%1").arg(peer.port()));
    options.reconnect = false;
    RedisConnection connection(options);
    QVERIFY(startReady(connection));
    QSignalSpy errors(&connection, &RedisConnection::errorOccurred);
    QSignalSpy lost(&connection, &RedisConnection::disconnected);
    QList<RespReply> replies;
    // When a command gets a non-RESP answer
    QVERIFY(connection.send({"GET", "k"}, [&replies](const RespReply &r) { replies.append(r); }));
    // Then ProtocolError drops the connection and the handler gets an error exactly once
    QVERIFY(errors.wait(ReplyTimeoutMs));
    QCOMPARE(errorAt(errors, 0).kind, RedisError::Kind::ProtocolError);
    QCOMPARE(lost.size(), 1);
    QCOMPARE(replies.size(), 1);
    QVERIFY(replies.first().isError());
    QCOMPARE(replies.first().errorCode(), QByteArray("CONNLOST"));
}

void TestRedisConnection::commandTimeoutFailsPendingAndReconnects()
{
    // Given a ready connection with a short command deadline
    RedisConnection::Options options = optionsFor(m_server->url());
    options.commandTimeoutMs = 300;
    RedisConnection connection(options);
    QVERIFY(startReady(connection));
    QSignalSpy errors(&connection, &RedisConnection::errorOccurred);
    QSignalSpy readySpy(&connection, &RedisConnection::ready);
    // When a command blocks longer than the deadline (BLPOP on an empty list), with one
    // more queued behind it
    QList<RespReply> first;
    QList<RespReply> second;
    QVERIFY(connection.send({"BLPOP", "dualscope:never", "0"},
                            [&first](const RespReply &r) { first.append(r); }));
    QVERIFY(connection.send({"PING"}, [&second](const RespReply &r) { second.append(r); }));
    // Then CommandTimeout, both handlers get a TIMEOUT error once, and it reconnects
    QVERIFY(errors.wait(ReplyTimeoutMs));
    QCOMPARE(errorAt(errors, 0).kind, RedisError::Kind::CommandTimeout);
    QCOMPARE(first.size(), 1);
    QCOMPARE(second.size(), 1);
    QCOMPARE(first.first().errorCode(), QByteArray("TIMEOUT"));
    QCOMPARE(connection.pendingCount(), 0);
    QVERIFY(readySpy.wait(ReadyTimeoutMs));
    QCOMPARE(first.size(), 1);
    QCOMPARE(second.size(), 1);
}

void TestRedisConnection::serverKilledFailsPendingOnceThenReconnects()
{
    // Given a dedicated server and a ready connection with commands waiting on it
    auto server = startServer();
    QVERIFY(server);
    const quint16 port = server->port();
    RedisConnection::Options options = optionsFor(server->url());
    options.commandTimeoutMs = 30000;
    RedisConnection connection(options);
    QVERIFY(startReady(connection));
    QSignalSpy lost(&connection, &RedisConnection::disconnected);
    QSignalSpy readySpy(&connection, &RedisConnection::ready);
    constexpr int Waiting = 5;
    QList<int> calls(Waiting, 0);
    QList<bool> gotError(Waiting, false);
    for (int i = 0; i < Waiting; ++i) {
        QVERIFY(connection.send({"BLPOP", "dualscope:never", "0"}, [&, i](const RespReply &r) {
            ++calls[i];
            gotError[i] = r.isError();
        }));
    }
    QCOMPARE(connection.pendingCount(), Waiting);

    // When the server goes down
    server->stop();
    QVERIFY(!server->isRunning());

    // Then disconnected() reports it and every handler got an error exactly once
    QVERIFY(lost.wait(ReadyTimeoutMs));
    const RedisError cause = qvariant_cast<RedisError>(lost.at(0).at(0));
    // redis-server closes its clients on SIGTERM: on loopback that is an orderly close.
    QVERIFY2(cause.kind == RedisError::Kind::ServerClosed ||
                 cause.kind == RedisError::Kind::ConnectionLost,
             qPrintable(cause.message));
    for (int i = 0; i < Waiting; ++i) {
        QCOMPARE(calls.at(i), 1);
        QVERIFY(gotError.at(i));
    }
    QCOMPARE(connection.pendingCount(), 0);
    QVERIFY(connection.state() == RedisConnection::State::WaitingToReconnect ||
            connection.state() == RedisConnection::State::Connecting);

    // When it comes back on the same port
    QString error;
    QVERIFY2(server->restart(&error), qPrintable(error));
    QCOMPARE(server->port(), port);

    // Then the connection is ready again within the backoff cap, and no handler ran twice
    QVERIFY(readySpy.wait(6000));
    const auto pong = call(connection, {"PING"});
    QVERIFY(pong && pong->isStatus("PONG"));
    for (int i = 0; i < Waiting; ++i)
        QCOMPARE(calls.at(i), 1);
}

void TestRedisConnection::clientKillIsServerClosed()
{
    // Given a ready connection and an admin connection
    RedisConnection victim(optionsFor(m_server->url()));
    RedisConnection admin(optionsFor(m_server->url()));
    QVERIFY(startReady(victim));
    QVERIFY(startReady(admin));
    QSignalSpy lost(&victim, &RedisConnection::disconnected);
    QSignalSpy readySpy(&victim, &RedisConnection::ready);
    // When the admin kills every normal client but itself
    const auto killed = call(admin, {"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"});
    QVERIFY(killed);
    QVERIFY(killed->integer >= 1);
    // Then the victim reports that the server closed the connection, and reconnects (the
    // event loop ran while waiting for the admin's reply, so the signals may be in already)
    QTRY_COMPARE_WITH_TIMEOUT(lost.size(), 1, ReadyTimeoutMs);
    const RedisError cause = qvariant_cast<RedisError>(lost.at(0).at(0));
    QCOMPARE(cause.kind, RedisError::Kind::ServerClosed);
    QVERIFY2(cause.message.contains(QLatin1String("closed the connection")),
             qPrintable(cause.message));
    QTRY_COMPARE_WITH_TIMEOUT(readySpy.size(), 1, ReadyTimeoutMs);
}

void TestRedisConnection::worksFromWorkerThread()
{
    // Given a connection moved to a worker thread and started there
    QThread worker;
    worker.setObjectName(QStringLiteral("redis-worker"));
    worker.start();
    auto *connection = new RedisConnection(optionsFor(m_server->url()));
    connection->moveToThread(&worker);
    QSignalSpy readySpy(connection, &RedisConnection::ready);
    QMetaObject::invokeMethod(connection, &RedisConnection::start);
    QVERIFY(readySpy.wait(ReadyTimeoutMs));

    // When a command is sent from that thread
    QAtomicPointer<QThread> handlerThread;
    QAtomicInt replied = 0;
    QMetaObject::invokeMethod(connection, [connection, &handlerThread, &replied] {
        connection->send({"PING"}, [&handlerThread, &replied](const RespReply &reply) {
            handlerThread.storeRelease(QThread::currentThread());
            replied.storeRelease(reply.isStatus("PONG") ? 1 : 2);
        });
    });
    // Then the handler runs in the worker, with the reply
    QTRY_COMPARE_WITH_TIMEOUT(replied.loadAcquire(), 1, ReplyTimeoutMs);
    QCOMPARE(handlerThread.loadAcquire(), &worker);

    QMetaObject::invokeMethod(connection, [connection] {
        connection->stop();
        connection->deleteLater();
    });
    worker.quit();
    QVERIFY(worker.wait(ReadyTimeoutMs));
}

void TestRedisConnection::serverProcessExplainsMissingExecutable()
{
    // Given no redis-server on PATH and no override
    const QByteArray savedPath = qgetenv("PATH");
    const QByteArray savedOverride = qgetenv("DUALSCOPE_REDIS_SERVER");
    const auto restore = qScopeGuard([&] {
        qputenv("PATH", savedPath);
        if (savedOverride.isNull())
            qunsetenv("DUALSCOPE_REDIS_SERVER");
        else
            qputenv("DUALSCOPE_REDIS_SERVER", savedOverride);
    });
    qputenv("PATH", "/nonexistent-dualscope");
    qunsetenv("DUALSCOPE_REDIS_SERVER");
    // When starting, then the user is told what to install
    RedisServerProcess server;
    QString error;
    QVERIFY(!server.start(&error));
    QCOMPARE(error, QStringLiteral("redis-server is not installed (apt-get install redis-server)"));
    QVERIFY(!server.isRunning());

    // And a wrong override is named
    qputenv("DUALSCOPE_REDIS_SERVER", "/nonexistent-dualscope/redis-server");
    QVERIFY(!server.start(&error));
    QVERIFY2(error.contains(QLatin1String("DUALSCOPE_REDIS_SERVER")), qPrintable(error));
}

QTEST_GUILESS_MAIN(TestRedisConnection)
#include "tst_redisconnection.moc"
