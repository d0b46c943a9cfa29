// SPDX-License-Identifier: MIT
#pragma once

#include "redisurl.h"
#include "respparser.h"
#include "respreply.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QList>
#include <QLoggingCategory>
#include <QMetaType>
#include <QObject>
#include <QPointer>
#include <QString>
#include <deque>
#include <functional>
#include <memory>

class QAbstractSocket;
class QSslError;
class QTimer;

namespace dualscope::redis {

Q_DECLARE_LOGGING_CATEGORY(lcRedis)

// Why a connection attempt or a live connection failed, in words for the user. The message
// names the server (host:port) and never contains the password.
struct RedisError
{
    Q_GADGET

public:
    enum class Kind {
        Unreachable,    // refused, no route, host not found
        ConnectTimeout, // no TCP connection, or no handshake answer, within connectTimeoutMs
        TlsFailed,      // TLS: certificate refused (CA, host name), bad files, plaintext peer
        AuthFailed,     // AUTH refused, or the server wants a password we do not have
        SelectFailed,   // SELECT db refused (e.g. db out of range)
        NotRedis,       // the peer answered the handshake, but not like Redis
        ProtocolError,  // a Ready connection received bytes that are not RESP
        CommandTimeout, // the oldest pending command had no reply within commandTimeoutMs
        ConnectionLost, // network error on an established connection
        ServerClosed,   // the server closed the connection (shutdown, CLIENT KILL, limits)
    };
    Q_ENUM(Kind)

    Kind kind = Kind::ConnectionLost;
    QString message;
};

// A short name for the kind, for logs and reports ("authentication failed").
QString kindName(RedisError::Kind kind);

// Errors that retrying cannot fix: a refused password or database, a peer that is
// not Redis, a TLS set-up that cannot work. At start they are the user's to fix (a
// configuration error); the others (unreachable, timeouts, a lost connection) are an
// outage that reconnecting may end.
bool isConfigurationError(RedisError::Kind kind);

// The TLS files of `url` (CA, client certificate and key) read and checked, for a
// QSslConfiguration; false with a sentence naming the file and the problem. Used by
// the connection, and by programs to refuse bad files before they start.
bool checkTlsFiles(const RedisUrl &url, QString *error);

// One connection to one Redis server: our own small transport (a QTcpSocket, or QSslSocket
// for rediss://, hiredis's redisReader for RESP, QTimer deadlines, reconnect by backoff).
//
// Threads: construct anywhere, moveToThread() the worker, then call start() *in the worker*
// (e.g. QMetaObject::invokeMethod(conn, &RedisConnection::start)): the socket and the timers
// are created there. After that every method must be called from the thread the connection
// lives in, and every signal and every ReplyHandler runs in that thread. Destroy it in that
// thread too (deleteLater), never from inside one of its own signals or handlers.
class RedisConnection final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RedisConnection)

public:
    struct Options
    {
        RedisUrl url;
        int connectTimeoutMs = 3000; // TCP connect + handshake (AUTH, SELECT, PING)
        int commandTimeoutMs = 5000; // oldest pending reply
        int backoffInitialMs = 100;
        int backoffMaxMs = 5000;
        bool reconnect = true;
    };

    enum class State { Disconnected, Connecting, Handshaking, Ready, WaitingToReconnect };
    Q_ENUM(State)

    // Called exactly once per command, with the reply or with a synthesised Error reply
    // ("CONNLOST ..." or "TIMEOUT ...") when the connection fails first. May be empty.
    using ReplyHandler = std::function<void(const RespReply &)>;

    // Any thread (before start()).
    explicit RedisConnection(const Options &options, QObject *parent = nullptr);
    ~RedisConnection() override;

    // Owner thread. start() connects (no-op unless Disconnected); stop() closes, fails the
    // pending handlers with an Error reply and does not reconnect.
    void start();
    void stop();

    // Owner thread.
    State state() const { return m_state; }
    const Options &options() const { return m_options; }
    // Replies still owed by the server (a pipeline of N counts N).
    qsizetype pendingCount() const { return m_pendingReplies; }

    // Owner thread. Only in state Ready: otherwise they return false, do nothing and never
    // call the handler. When they return true the handler will be called exactly once per
    // command, in order (FIFO) - possibly before they return, if the write itself fails.
    // The destructor drops pending handlers uncalled (see ~RedisConnection); stop() first.
    bool send(const QList<QByteArray> &argv, ReplyHandler handler = {});
    // All commands go out in ONE socket write; handler is called once per reply, in order.
    bool sendPipeline(const QList<QList<QByteArray>> &commands, ReplyHandler handler = {});
    // The hot path: bytes already encoded with appendCommand(), holding commandCount commands.
    bool sendRaw(QByteArray preformatted, int commandCount, ReplyHandler handler = {});

    // Pub/sub. Owner thread, before start(). With a push handler the connection
    // may be put in subscribed mode: replies that are pub/sub pushes (arrays headed
    // "message", "pmessage", "subscribe", "psubscribe", "unsubscribe", "punsubscribe",
    // "pong") go to the handler instead of the command FIFO.
    using PushHandler = std::function<void(const RespReply &)>;
    void setPushHandler(PushHandler handler);
    // Owner thread, Ready only. For commands answered by pushes (SUBSCRIBE,
    // PSUBSCRIBE, their UN- forms, PING in subscribed mode): nothing waits for a reply.
    bool sendWithoutReply(const QList<QByteArray> &argv);

    // Owner thread. A paused connection takes no more data from its socket, so the
    // peer holds what is not read (TCP flow control); unpausing goes on where it was.
    void setReadingPaused(bool paused);
    bool isReadingPaused() const { return m_readingPaused; }

Q_SIGNALS:
    void stateChanged(dualscope::redis::RedisConnection::State state);
    // The handshake succeeded: commands may be sent.
    void ready();
    // Every failed attempt and every lost connection. Callers rate-limit what they show.
    void errorOccurred(const dualscope::redis::RedisError &error);
    // A Ready connection was lost (after errorOccurred with the same cause).
    void disconnected(const dualscope::redis::RedisError &cause);

private:
    struct Pending
    {
        // Shared so that dispatching reply i of a pipeline of N copies a pointer, not the
        // callable; null when the caller ignores replies.
        std::shared_ptr<const ReplyHandler> handler;
        int remaining = 1;      // replies still owed to this handler (pipelines)
        qint64 sentAtMs = 0;    // on m_clock
        bool handshake = false; // internal, not a user command
    };

    void connectNow();
    void onConnected();
    void onReadyRead();
    // evenIfPaused: at an error or close, what arrived is still read.
    void readAvailable(bool evenIfPaused);
    void onSocketError();
    void onSocketDisconnected();
    void onConnectDeadline();
    void onCommandDeadline();

    void sendHandshake();
    void onHandshakeReply(int step, const RespReply &reply);
    bool enqueueAndWrite(const QByteArray &bytes, int commandCount, ReplyHandler handler,
                         bool handshake);
    void armCommandTimer();
    void dispatch(const RespReply &reply);
    void fail(RedisError::Kind kind, const QString &message);
    // isFailure: an error (signalled; reconnect when enabled). Otherwise the owner's stop():
    // no signal, no reconnect. Either way every pending handler gets an Error reply.
    void dropConnection(const RedisError &error, bool isFailure);
    void setState(State state);
    QString serverName() const;
    QString peerSample() const;
    void onSslErrors(const QList<QSslError> &errors);

    Options m_options;
    State m_state = State::Disconnected;
    QPointer<QAbstractSocket> m_socket;
    QTimer *m_connectTimer = nullptr;
    QTimer *m_commandTimer = nullptr;
    QTimer *m_reconnectTimer = nullptr;
    RespParser m_parser;
    std::deque<Pending> m_pending;
    qsizetype m_pendingReplies = 0;
    QElapsedTimer m_clock;
    int m_nextBackoffMs = 0;
    // Bumped whenever the socket is dropped, so loops that call out to handlers notice
    // that the connection they were serving is gone.
    quint64 m_generation = 0;
    // The first bytes of the handshake answer, to tell the user what answered instead.
    QByteArray m_handshakeSample;
    // rediss://: the TCP connection is up, the TLS handshake not yet done.
    bool m_tcpUp = false;
    bool m_readingPaused = false;
    // Why the TLS peer's certificate was refused, in words (from sslErrors()).
    QString m_tlsProblem;
    PushHandler m_pushHandler;
};

} // namespace dualscope::redis

Q_DECLARE_METATYPE(dualscope::redis::RedisError)
