// SPDX-License-Identifier: MIT
#include "redisconnection.h"

#include "rediscommand.h"

#include <QTcpSocket>
#include <QTimer>
#include <QtNetwork/qtnetworkglobal.h>
#if QT_CONFIG(ssl)
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslError>
#include <QSslKey>
#include <QSslSocket>
#endif
#include "io/userfile.h"

#include <algorithm>
#include <memory>

namespace dualscope::redis {

Q_LOGGING_CATEGORY(lcRedis, "dualscope.redis", QtInfoMsg)

namespace {

// Enough of a foreign peer's answer to recognise it ("HTTP/1.1 400 Bad Request").
constexpr qsizetype HandshakeSampleBytes = 64;
constexpr qsizetype ShownSampleChars = 40;
// Qt's own buffer of a socket, and the bites taken from it: a paused reader (a
// subscriber whose consumer lags) stops taking data from the kernel, so that Redis,
// not this process, holds the backlog (and cuts us if it grows past its limit).
constexpr qint64 SocketBufferBytes = 4 * 1024 * 1024;
constexpr qint64 ReadChunkBytes = 256 * 1024;

enum HandshakeStep { StepAuth, StepSelect, StepPing };

} // namespace

QString kindName(RedisError::Kind kind)
{
    switch (kind) {
    case RedisError::Kind::Unreachable:
        return QStringLiteral("unreachable");
    case RedisError::Kind::ConnectTimeout:
        return QStringLiteral("connect timeout");
    case RedisError::Kind::TlsFailed:
        return QStringLiteral("TLS failed");
    case RedisError::Kind::AuthFailed:
        return QStringLiteral("authentication failed");
    case RedisError::Kind::SelectFailed:
        return QStringLiteral("database selection failed");
    case RedisError::Kind::NotRedis:
        return QStringLiteral("not a Redis server");
    case RedisError::Kind::ProtocolError:
        return QStringLiteral("protocol error");
    case RedisError::Kind::CommandTimeout:
        return QStringLiteral("command timeout");
    case RedisError::Kind::ConnectionLost:
        return QStringLiteral("connection lost");
    case RedisError::Kind::ServerClosed:
        return QStringLiteral("closed by server");
    }
    return {};
}

bool isConfigurationError(RedisError::Kind kind)
{
    switch (kind) {
    case RedisError::Kind::AuthFailed:
    case RedisError::Kind::SelectFailed:
    case RedisError::Kind::NotRedis:
    case RedisError::Kind::TlsFailed:
        return true;
    case RedisError::Kind::Unreachable:
    case RedisError::Kind::ConnectTimeout:
    case RedisError::Kind::ProtocolError:
    case RedisError::Kind::CommandTimeout:
    case RedisError::Kind::ConnectionLost:
    case RedisError::Kind::ServerClosed:
        return false;
    }
    return false;
}

namespace {

// PEM files are small; a certificate chain of a few KB, 1 MB is plenty.
constexpr qint64 kMaxPemBytes = 1024 * 1024;

#if QT_CONFIG(ssl)
// The configuration for a rediss:// connection: the given CA alone (as redis-cli
// --cacert) or the system's, and the client certificate and key when given.
bool tlsConfiguration(const RedisUrl &url, QSslConfiguration *configuration, QString *error)
{
    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    QByteArray pem;
    if (!url.tlsCaFile.isEmpty()) {
        if (!io::readUserFile(url.tlsCaFile, kMaxPemBytes, &pem, error)) {
            error->prepend(QStringLiteral("the TLS CA file: "));
            return false;
        }
        const QList<QSslCertificate> cas = QSslCertificate::fromData(pem, QSsl::Pem);
        if (cas.isEmpty()) {
            *error =
                QStringLiteral("the TLS CA file %1 holds no PEM certificate").arg(url.tlsCaFile);
            return false;
        }
        tls.setCaCertificates(cas);
    }
    if (url.tlsCertFile.isEmpty() != url.tlsKeyFile.isEmpty()) {
        *error = QStringLiteral("a TLS client certificate needs both a certificate file and a "
                                "key file (--redis-cert and --redis-key)");
        return false;
    }
    if (!url.tlsCertFile.isEmpty()) {
        if (!io::readUserFile(url.tlsCertFile, kMaxPemBytes, &pem, error)) {
            error->prepend(QStringLiteral("the TLS client certificate: "));
            return false;
        }
        const QList<QSslCertificate> chain = QSslCertificate::fromData(pem, QSsl::Pem);
        if (chain.isEmpty()) {
            *error = QStringLiteral("the TLS client certificate file %1 holds no PEM certificate")
                         .arg(url.tlsCertFile);
            return false;
        }
        if (!io::readUserFile(url.tlsKeyFile, kMaxPemBytes, &pem, error)) {
            error->prepend(QStringLiteral("the TLS client key: "));
            return false;
        }
        QSslKey key;
        for (const QSsl::KeyAlgorithm algorithm : {QSsl::Rsa, QSsl::Ec, QSsl::Dsa}) {
            key = QSslKey(pem, algorithm, QSsl::Pem);
            if (!key.isNull())
                break;
        }
        if (key.isNull()) {
            *error = QStringLiteral("the TLS client key file %1 holds no unencrypted PEM private "
                                    "key (RSA or EC)")
                         .arg(url.tlsKeyFile);
            return false;
        }
        tls.setLocalCertificateChain(chain);
        tls.setPrivateKey(key);
    }
    *configuration = tls;
    return true;
}
#endif

} // namespace

bool checkTlsFiles(const RedisUrl &url, QString *error)
{
    const bool filesGiven =
        !url.tlsCaFile.isEmpty() || !url.tlsCertFile.isEmpty() || !url.tlsKeyFile.isEmpty();
    if (!filesGiven)
        return true;
    if (!url.tls) {
        *error = QStringLiteral("TLS files are given, but the Redis URL is redis:// (plaintext): "
                                "use rediss://");
        return false;
    }
#if QT_CONFIG(ssl)
    QSslConfiguration unused;
    return tlsConfiguration(url, &unused, error);
#else
    *error = QStringLiteral("this build has no TLS support (rediss://)");
    return false;
#endif
}

RedisConnection::RedisConnection(const Options &options, QObject *parent)
    : QObject(parent), m_options(options), m_nextBackoffMs(options.backoffInitialMs)
{
    // Signals carry RedisError across threads (queued connections, QSignalSpy).
    qRegisterMetaType<RedisError>();
    m_clock.start();
}

RedisConnection::~RedisConnection()
{
    // Pending handlers are dropped without a call: they may point into an owner that is
    // being destroyed right now. Call stop() first to have them called with an error.
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        delete m_socket;
    }
}

QString RedisConnection::serverName() const
{
    return m_options.url.endpoint();
}

void RedisConnection::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

void RedisConnection::start()
{
    if (m_state != State::Disconnected)
        return;
    if (!m_connectTimer) {
        // Created here, not in the constructor, so they belong to the worker thread.
        m_connectTimer = new QTimer(this);
        m_connectTimer->setSingleShot(true);
        connect(m_connectTimer, &QTimer::timeout, this, &RedisConnection::onConnectDeadline);
        m_commandTimer = new QTimer(this);
        m_commandTimer->setSingleShot(true);
        connect(m_commandTimer, &QTimer::timeout, this, &RedisConnection::onCommandDeadline);
        m_reconnectTimer = new QTimer(this);
        m_reconnectTimer->setSingleShot(true);
        connect(m_reconnectTimer, &QTimer::timeout, this, &RedisConnection::connectNow);
    }
    m_nextBackoffMs = m_options.backoffInitialMs;
    connectNow();
}

void RedisConnection::stop()
{
    if (m_reconnectTimer)
        m_reconnectTimer->stop();
    if (m_state == State::Disconnected)
        return;
    if (m_state == State::WaitingToReconnect) {
        setState(State::Disconnected);
        return;
    }
    qCInfo(lcRedis) << "closing the connection to" << m_options.url.toDisplayString();
    dropConnection({RedisError::Kind::ConnectionLost,
                    QStringLiteral("the connection to Redis at %1 was closed before the reply")
                        .arg(serverName())},
                   false);
}

void RedisConnection::connectNow()
{
    m_parser.reset();
    m_handshakeSample.clear();

    QAbstractSocket *socket = nullptr;
    m_tcpUp = false;
    m_tlsProblem.clear();
    if (m_options.url.tls) {
#if QT_CONFIG(ssl)
        QSslConfiguration configuration;
        QString error;
        if (!tlsConfiguration(m_options.url, &configuration, &error)) {
            setState(State::Connecting);
            fail(RedisError::Kind::TlsFailed,
                 QStringLiteral("cannot connect to Redis at %1 over TLS: %2")
                     .arg(serverName(), error));
            return;
        }
        auto *ssl = new QSslSocket(this);
        ssl->setSslConfiguration(configuration);
        // Redis is ready for AUTH only once TLS is up, not at TCP connect.
        connect(ssl, &QSslSocket::encrypted, this, &RedisConnection::onConnected);
        connect(ssl, &QAbstractSocket::connected, this, [this] { m_tcpUp = true; });
        connect(ssl, &QSslSocket::sslErrors, this, &RedisConnection::onSslErrors);
        socket = ssl;
#else
        setState(State::Connecting);
        fail(RedisError::Kind::Unreachable,
             QStringLiteral("cannot reach Redis at %1: this build has no TLS support (rediss://)")
                 .arg(serverName()));
        return;
#endif
    } else {
        socket = new QTcpSocket(this);
        connect(socket, &QAbstractSocket::connected, this, &RedisConnection::onConnected);
    }
    socket->setReadBufferSize(SocketBufferBytes);
    connect(socket, &QIODevice::readyRead, this, &RedisConnection::onReadyRead);
    connect(socket, &QAbstractSocket::errorOccurred, this, &RedisConnection::onSocketError);
    connect(socket, &QAbstractSocket::disconnected, this, &RedisConnection::onSocketDisconnected);
    m_socket = socket;

    setState(State::Connecting);
    m_connectTimer->start(m_options.connectTimeoutMs);
    qCDebug(lcRedis) << "connecting to" << m_options.url.toDisplayString();
#if QT_CONFIG(ssl)
    if (auto *ssl = qobject_cast<QSslSocket *>(socket)) {
        ssl->connectToHostEncrypted(m_options.url.host, m_options.url.port);
        return;
    }
#endif
    socket->connectToHost(m_options.url.host, m_options.url.port);
}

#if QT_CONFIG(ssl)
void RedisConnection::onSslErrors(const QList<QSslError> &errors)
{
    // The handshake fails right after this (nothing is ignored); keep the reason in
    // words for that moment: the socket's own error text only says "handshake failed".
    const QString server = serverName();
    for (const QSslError &error : errors) {
        switch (error.error()) {
        case QSslError::HostNameMismatch: {
            const QStringList names = error.certificate().subjectAlternativeNames().values();
            const QStringList common = error.certificate().subjectInfo(QSslCertificate::CommonName);
            m_tlsProblem =
                QStringLiteral("the TLS certificate of Redis at %1 is not for the host name \"%2\" "
                               "(it names %3)")
                    .arg(server, m_options.url.host,
                         (names.isEmpty() ? common : names).join(QLatin1String(", ")));
            return;
        }
        case QSslError::UnableToGetLocalIssuerCertificate:
        case QSslError::UnableToGetIssuerCertificate:
        case QSslError::SelfSignedCertificate:
        case QSslError::SelfSignedCertificateInChain:
        case QSslError::UnableToVerifyFirstCertificate:
            m_tlsProblem =
                QStringLiteral("the TLS certificate of Redis at %1 is signed by a CA this client "
                               "does not trust%2 (%3)")
                    .arg(server,
                         m_options.url.tlsCaFile.isEmpty()
                             ? QStringLiteral(": give the CA's certificate with --redis-ca FILE")
                             : QStringLiteral(" (not %1)").arg(m_options.url.tlsCaFile),
                         error.errorString());
            return;
        case QSslError::CertificateExpired:
        case QSslError::CertificateNotYetValid:
            m_tlsProblem = QStringLiteral("the TLS certificate of Redis at %1 is not valid now: %2")
                               .arg(server, error.errorString());
            return;
        default:
            break;
        }
    }
    if (!errors.isEmpty())
        m_tlsProblem = QStringLiteral("the TLS certificate of Redis at %1 was refused: %2")
                           .arg(server, errors.first().errorString());
}
#else
void RedisConnection::onSslErrors(const QList<QSslError> &) {}
#endif

void RedisConnection::onConnected()
{
    if (!m_socket || m_state != State::Connecting)
        return;
    // Small notifications are latency-sensitive; batching is done by pipelines, not Nagle.
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    setState(State::Handshaking);
    sendHandshake();
}

void RedisConnection::sendHandshake()
{
    // AUTH, SELECT and PING go out in one write; replies are matched FIFO like any command.
    QByteArray bytes;
    QList<HandshakeStep> steps;
    const RedisUrl &url = m_options.url;
    if (!url.password.isEmpty()) {
        if (url.user.isEmpty())
            appendCommand(bytes, {QByteArrayLiteral("AUTH"), url.password.toUtf8()});
        else
            appendCommand(bytes,
                          {QByteArrayLiteral("AUTH"), url.user.toUtf8(), url.password.toUtf8()});
        steps.append(StepAuth);
    }
    if (url.db != 0) {
        appendCommand(bytes, {QByteArrayLiteral("SELECT"), QByteArray::number(url.db)});
        steps.append(StepSelect);
    }
    // Always PING: a peer that is not Redis must fail here, not on the first user command.
    appendCommand(bytes, {QByteArrayLiteral("PING")});
    steps.append(StepPing);

    const quint64 generation = m_generation;
    for (const HandshakeStep step : steps) {
        Pending pending;
        pending.handshake = true;
        pending.sentAtMs = m_clock.elapsed();
        pending.handler =
            std::make_shared<const ReplyHandler>([this, generation, step](const RespReply &reply) {
                if (generation == m_generation && m_state == State::Handshaking)
                    onHandshakeReply(step, reply);
            });
        m_pending.push_back(std::move(pending));
        ++m_pendingReplies;
    }
    m_socket->write(bytes);
    m_socket->flush();
}

void RedisConnection::onHandshakeReply(int step, const RespReply &reply)
{
    const QString server = serverName();
    const QString replyText = QString::fromUtf8(reply.text);
    // Without a password (or with the wrong user), a protected server answers NOAUTH.
    if (reply.errorCode() == "NOAUTH") {
        fail(RedisError::Kind::AuthFailed,
             QStringLiteral("Redis at %1 requires a password: %2").arg(server, replyText));
        return;
    }
    switch (step) {
    case StepAuth:
        if (reply.isError()) {
            const QString who = m_options.url.user.isEmpty()
                                    ? QString()
                                    : QStringLiteral(" for user \"%1\"").arg(m_options.url.user);
            fail(RedisError::Kind::AuthFailed,
                 QStringLiteral("Redis at %1 refused AUTH%2: %3").arg(server, who, replyText));
        } else if (!reply.isStatus("OK")) {
            fail(RedisError::Kind::NotRedis,
                 QStringLiteral("%1 did not answer AUTH like a Redis server (reply: %2)")
                     .arg(server, reply.toDebugString()));
        }
        return;
    case StepSelect:
        if (reply.isError()) {
            fail(RedisError::Kind::SelectFailed,
                 QStringLiteral("Redis at %1 refused to select database %2: %3")
                     .arg(server)
                     .arg(m_options.url.db)
                     .arg(replyText));
        } else if (!reply.isStatus("OK")) {
            fail(RedisError::Kind::NotRedis,
                 QStringLiteral("%1 did not answer SELECT like a Redis server (reply: %2)")
                     .arg(server, reply.toDebugString()));
        }
        return;
    case StepPing:
        if (reply.isError()) {
            // A Redis error (DENIED in protected mode, max clients, LOADING): it is Redis,
            // but it does not let us in now.
            fail(RedisError::Kind::Unreachable,
                 QStringLiteral("Redis at %1 refused the connection: %2").arg(server, replyText));
            return;
        }
        if (!reply.isStatus("PONG")) {
            fail(RedisError::Kind::NotRedis,
                 QStringLiteral("%1 did not answer like a Redis server (reply: %2)")
                     .arg(server, reply.toDebugString()));
            return;
        }
        m_connectTimer->stop();
        m_nextBackoffMs = m_options.backoffInitialMs;
        m_handshakeSample.clear();
        qCInfo(lcRedis) << "connected to" << m_options.url.toDisplayString();
        setState(State::Ready);
        Q_EMIT ready();
        return;
    }
}

QString RedisConnection::peerSample() const
{
    QByteArray line = m_handshakeSample;
    const qsizetype eol = line.indexOf('\r');
    const bool cut = eol >= 0 || line.size() > ShownSampleChars;
    line = line.left(std::min(eol < 0 ? line.size() : eol, ShownSampleChars));
    QString out;
    for (const char c : std::as_const(line))
        out += (c >= 0x20 && c < 0x7f) ? QLatin1Char(c) : QLatin1Char('?');
    if (cut)
        out += QLatin1String("...");
    return out;
}

void RedisConnection::onReadyRead()
{
    readAvailable(false);
}

void RedisConnection::setReadingPaused(bool paused)
{
    if (m_readingPaused == paused)
        return;
    m_readingPaused = paused;
    // Later, not here: the caller may be inside one of our handlers.
    if (!paused)
        QMetaObject::invokeMethod(this, [this] { readAvailable(false); }, Qt::QueuedConnection);
}

void RedisConnection::readAvailable(bool evenIfPaused)
{
    // In chunks, so that a paused reader stops within one chunk of where it was told.
    const quint64 generation = m_generation;
    for (;;) {
        while (generation == m_generation && (evenIfPaused || !m_readingPaused)) {
            std::optional<RespReply> reply = m_parser.next();
            if (!reply)
                break;
            dispatch(*reply);
        }
        if (generation != m_generation || m_parser.hasError())
            break;
        if ((!evenIfPaused && m_readingPaused) || !m_socket || m_socket->bytesAvailable() <= 0)
            return;
        const QByteArray data = m_socket->read(ReadChunkBytes);
        if (m_state == State::Handshaking && m_handshakeSample.size() < HandshakeSampleBytes)
            m_handshakeSample += data.left(HandshakeSampleBytes - m_handshakeSample.size());
        m_parser.feed(data);
    }
    if (generation != m_generation || !m_parser.hasError())
        return;
    if (m_state == State::Handshaking) {
        fail(RedisError::Kind::NotRedis,
             QStringLiteral("%1 did not answer like a Redis server (reply: %2)")
                 .arg(serverName(), peerSample()));
    } else {
        fail(RedisError::Kind::ProtocolError,
             QStringLiteral("Redis at %1 sent data that is not the Redis protocol (%2)")
                 .arg(serverName(), m_parser.errorString()));
    }
}

namespace {

bool isPush(const RespReply &reply)
{
    // A PING sent as the last subscription went away is answered outside subscribed
    // mode: a plain +PONG (a push only when no command in the FIFO waits for it).
    if (reply.type == RespReply::Type::Status && reply.text == "PONG")
        return true;
    if (reply.type != RespReply::Type::Array || reply.elements.isEmpty() ||
        reply.elements.first().type != RespReply::Type::String)
        return false;
    const QByteArray &kind = reply.elements.first().text;
    return kind == "message" || kind == "pmessage" || kind == "subscribe" || kind == "psubscribe" ||
           kind == "unsubscribe" || kind == "punsubscribe" || kind == "pong";
}

} // namespace

void RedisConnection::setPushHandler(PushHandler handler)
{
    m_pushHandler = std::move(handler);
}

bool RedisConnection::sendWithoutReply(const QList<QByteArray> &argv)
{
    if (m_state != State::Ready || argv.isEmpty() || !m_pushHandler)
        return false;
    const QByteArray bytes = formatCommand(argv);
    if (m_socket->write(bytes) != bytes.size()) {
        fail(RedisError::Kind::ConnectionLost, QStringLiteral("could not write to Redis at %1: %2")
                                                   .arg(serverName(), m_socket->errorString()));
        return false;
    }
    m_socket->flush();
    return true;
}

void RedisConnection::dispatch(const RespReply &reply)
{
    if (m_pushHandler && m_state == State::Ready && isPush(reply) &&
        (reply.type != RespReply::Type::Status || m_pending.empty())) {
        m_pushHandler(reply);
        return;
    }
    if (m_pending.empty()) {
        // An unsolicited reply that is not a pub/sub push means we lost the FIFO match.
        fail(RedisError::Kind::ProtocolError,
             QStringLiteral("Redis at %1 sent a reply to no command (%2)")
                 .arg(serverName(), reply.toDebugString()));
        return;
    }
    // Take what we need before calling out: the handler may send (push_back) or stop()
    // (clears the queue).
    Pending &front = m_pending.front();
    const std::shared_ptr<const ReplyHandler> handler = front.handler;
    --m_pendingReplies;
    if (--front.remaining == 0)
        m_pending.pop_front();
    if (handler && *handler)
        (*handler)(reply);
}

void RedisConnection::onSocketError()
{
    if (!m_socket)
        return;
    const QAbstractSocket::SocketError error = m_socket->error();
    const QString errorText = m_socket->errorString();
    // Replies that arrived with the close (e.g. "-ERR max number of clients reached")
    // explain more than the close itself.
    if (m_socket->bytesAvailable() > 0) {
        const quint64 generation = m_generation;
        readAvailable(true);
        if (generation != m_generation || !m_socket)
            return;
    }

    const QString server = serverName();
    switch (m_state) {
    case State::Connecting:
        if (!m_tlsProblem.isEmpty()) {
            fail(RedisError::Kind::TlsFailed, m_tlsProblem);
        } else if (m_options.url.tls && m_tcpUp) {
            // TCP came up, TLS did not: the usual sign of a plaintext port.
            fail(RedisError::Kind::TlsFailed,
                 QStringLiteral("Redis at %1 did not complete the TLS handshake (%2): is it a "
                                "plaintext port? For one, use redis:// instead of rediss://")
                     .arg(server, errorText));
        } else {
            fail(RedisError::Kind::Unreachable,
                 QStringLiteral("cannot reach Redis at %1: %2").arg(server, errorText));
        }
        return;
    case State::Handshaking:
        if (m_options.url.tls && errorText.contains(QLatin1String("certificate required"))) {
            // TLS 1.3 finishes the client's side before the server checks its certificate.
            fail(RedisError::Kind::TlsFailed,
                 QStringLiteral("Redis at %1 requires a TLS client certificate: give "
                                "--redis-cert FILE and --redis-key FILE")
                     .arg(server));
        } else if (error == QAbstractSocket::RemoteHostClosedError) {
            fail(RedisError::Kind::ServerClosed,
                 QStringLiteral("%1 closed the connection during the Redis handshake (is it a "
                                "Redis server? is TLS expected?)")
                     .arg(server));
        } else {
            fail(RedisError::Kind::ConnectionLost,
                 QStringLiteral("lost the connection to %1 during the Redis handshake: %2")
                     .arg(server, errorText));
        }
        return;
    case State::Ready:
        if (error == QAbstractSocket::RemoteHostClosedError) {
            fail(RedisError::Kind::ServerClosed,
                 QStringLiteral("Redis at %1 closed the connection (server shutdown, CLIENT "
                                "KILL or a client output buffer limit)")
                     .arg(server));
        } else {
            fail(RedisError::Kind::ConnectionLost,
                 QStringLiteral("lost the connection to Redis at %1: %2").arg(server, errorText));
        }
        return;
    case State::Disconnected:
    case State::WaitingToReconnect:
        return;
    }
}

void RedisConnection::onSocketDisconnected()
{
    // Normally errorOccurred(RemoteHostClosedError) comes first and has already dropped the
    // socket; this covers a close that came without an error.
    if (!m_socket)
        return;
    const quint64 generation = m_generation;
    if (m_socket->bytesAvailable() > 0)
        readAvailable(true);
    if (generation != m_generation || !m_socket)
        return;
    if (m_state == State::Connecting || m_state == State::Handshaking || m_state == State::Ready) {
        fail(RedisError::Kind::ServerClosed,
             QStringLiteral("Redis at %1 closed the connection").arg(serverName()));
    }
}

void RedisConnection::onConnectDeadline()
{
    const QString server = serverName();
    if (m_state == State::Connecting && m_options.url.tls && m_tcpUp) {
        fail(RedisError::Kind::TlsFailed,
             QStringLiteral("Redis at %1 accepted the connection but did not answer the TLS "
                            "handshake within %2 ms: is it a plaintext port? For one, use "
                            "redis:// instead of rediss://")
                 .arg(server)
                 .arg(m_options.connectTimeoutMs));
    } else if (m_state == State::Connecting) {
        fail(RedisError::Kind::ConnectTimeout,
             QStringLiteral("could not connect to Redis at %1 within %2 ms")
                 .arg(server)
                 .arg(m_options.connectTimeoutMs));
    } else if (m_state == State::Handshaking) {
        if (!m_handshakeSample.isEmpty()) {
            fail(RedisError::Kind::NotRedis,
                 QStringLiteral("%1 did not answer like a Redis server (reply: %2)")
                     .arg(server, peerSample()));
        } else {
            fail(RedisError::Kind::ConnectTimeout,
                 QStringLiteral("%1 accepted the connection but did not answer the Redis "
                                "handshake within %2 ms (is it a Redis server?)")
                     .arg(server)
                     .arg(m_options.connectTimeoutMs));
        }
    }
}

void RedisConnection::armCommandTimer()
{
    if (m_state != State::Ready || m_pending.empty() || m_commandTimer->isActive())
        return;
    const qint64 due = m_pending.front().sentAtMs + m_options.commandTimeoutMs;
    m_commandTimer->start(int(std::max<qint64>(0, due - m_clock.elapsed())));
}

void RedisConnection::onCommandDeadline()
{
    // One timer watches only the oldest command: replies are FIFO, so if it is on time
    // every younger one is too.
    if (m_state != State::Ready || m_pending.empty())
        return;
    const qint64 age = m_clock.elapsed() - m_pending.front().sentAtMs;
    if (age < m_options.commandTimeoutMs) {
        armCommandTimer();
        return;
    }
    fail(RedisError::Kind::CommandTimeout,
         QStringLiteral("Redis at %1 did not reply within %2 ms; reconnecting")
             .arg(serverName())
             .arg(m_options.commandTimeoutMs));
}

bool RedisConnection::send(const QList<QByteArray> &argv, ReplyHandler handler)
{
    if (m_state != State::Ready || argv.isEmpty())
        return false;
    return enqueueAndWrite(formatCommand(argv), 1, std::move(handler), false);
}

bool RedisConnection::sendPipeline(const QList<QList<QByteArray>> &commands, ReplyHandler handler)
{
    if (m_state != State::Ready)
        return false;
    QByteArray bytes;
    int count = 0;
    for (const QList<QByteArray> &argv : commands) {
        if (argv.isEmpty())
            continue;
        appendCommand(bytes, argv);
        ++count;
    }
    if (count == 0)
        return true;
    return enqueueAndWrite(bytes, count, std::move(handler), false);
}

bool RedisConnection::sendRaw(QByteArray preformatted, int commandCount, ReplyHandler handler)
{
    if (m_state != State::Ready || commandCount <= 0 || preformatted.isEmpty())
        return false;
    return enqueueAndWrite(preformatted, commandCount, std::move(handler), false);
}

bool RedisConnection::enqueueAndWrite(const QByteArray &bytes, int commandCount,
                                      ReplyHandler handler, bool handshake)
{
    Pending pending;
    if (handler)
        pending.handler = std::make_shared<const ReplyHandler>(std::move(handler));
    pending.remaining = commandCount;
    pending.sentAtMs = m_clock.elapsed();
    pending.handshake = handshake;
    m_pending.push_back(std::move(pending));
    m_pendingReplies += commandCount;
    armCommandTimer();

    // One write per batch; flush() starts sending now instead of at the next loop turn.
    // If the socket breaks here, the handlers are failed before this returns.
    if (m_socket->write(bytes) != bytes.size()) {
        fail(RedisError::Kind::ConnectionLost, QStringLiteral("could not write to Redis at %1: %2")
                                                   .arg(serverName(), m_socket->errorString()));
        return true;
    }
    m_socket->flush();
    return true;
}

void RedisConnection::fail(RedisError::Kind kind, const QString &message)
{
    dropConnection({kind, message}, true);
}

void RedisConnection::dropConnection(const RedisError &error, bool isFailure)
{
    const bool wasReady = m_state == State::Ready;
    ++m_generation;
    if (m_socket) {
        QAbstractSocket *socket = m_socket;
        m_socket = nullptr;
        // Disconnect first: abort() emits disconnected(), which must not reach us again.
        socket->disconnect(this);
        socket->abort();
        // We may be inside one of its signals.
        socket->deleteLater();
    }
    m_connectTimer->stop();
    m_commandTimer->stop();
    m_parser.reset();
    std::deque<Pending> orphaned;
    orphaned.swap(m_pending);
    m_pendingReplies = 0;

    if (isFailure && m_options.reconnect) {
        const int delay = m_nextBackoffMs;
        m_nextBackoffMs = std::min(std::max(1, delay) * 2, m_options.backoffMaxMs);
        // The owner tells the user once per outage; here the first failure of a
        // series is worth a line, each retry only a debug one.
        const QString retry = QStringLiteral("(retrying in %1 ms)").arg(delay);
        if (delay == m_options.backoffInitialMs)
            qCInfo(lcRedis).noquote() << error.message << retry;
        else
            qCDebug(lcRedis).noquote() << error.message << retry;
        setState(State::WaitingToReconnect);
        m_reconnectTimer->start(delay);
    } else {
        if (isFailure)
            qCWarning(lcRedis).noquote() << error.message;
        setState(State::Disconnected);
    }

    if (isFailure) {
        Q_EMIT errorOccurred(error);
        if (wasReady)
            Q_EMIT disconnected(error);
    }

    // Every handler is called exactly once per owed reply, after the state is settled, so
    // a handler that calls send() sees "not ready" instead of a half-dropped connection.
    const QByteArray prefix = error.kind == RedisError::Kind::CommandTimeout
                                  ? QByteArrayLiteral("TIMEOUT ")
                                  : QByteArrayLiteral("CONNLOST ");
    const RespReply failure = RespReply::error(prefix + error.message.toUtf8());
    for (const Pending &pending : orphaned) {
        if (pending.handshake || !pending.handler || !*pending.handler)
            continue;
        for (int i = 0; i < pending.remaining; ++i)
            (*pending.handler)(failure);
    }
}

} // namespace dualscope::redis
