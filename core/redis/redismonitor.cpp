// SPDX-License-Identifier: MIT
#include "redis/redismonitor.h"

#include <QDateTime>
#include <QTimer>
#include <chrono>

namespace dualscope::redis {

namespace {

// Enough PINGs in flight for a 200 s backlog at the default interval; beyond it
// the monitor stops asking until answers come (the clock then moves more coarsely).
constexpr qsizetype kMaxPingsInFlight = 10'000;
// Below this a server-side close is not called "fell behind" (CLIENT KILL, a restart).
constexpr qint64 kFellBehindMs = 100;

qint64 wallMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

qint64 monotonicNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

} // namespace

bool validatePattern(const QByteArray &pattern, QString *error)
{
    auto refuse = [&](const QString &why) {
        if (error)
            *error =
                QStringLiteral("pattern '%1' is refused: %2").arg(QString::fromUtf8(pattern), why);
        return false;
    };
    if (pattern.isEmpty())
        return refuse(QStringLiteral("it is empty"));
    bool inClass = false;
    for (qsizetype i = 0; i < pattern.size(); ++i) {
        const auto c = static_cast<unsigned char>(pattern[i]);
        if (c <= 0x20 || c == 0x7f)
            return refuse(QStringLiteral("it contains whitespace or a control character"));
        if (c == '\\') {
            ++i; // an escaped character is literal
            continue;
        }
        if (c == '[')
            inClass = true;
        else if (c == ']')
            inClass = false;
    }
    if (inClass)
        return refuse(QStringLiteral("a '[' is never closed"));
    return true;
}

RedisMonitor::RedisMonitor(Options options, QObject *parent)
    : QObject(parent), m_options(std::move(options))
{
    if (m_options.readFields)
        m_fieldReader.emplace(*m_options.readFields);
}

RedisMonitor::~RedisMonitor() = default;

void RedisMonitor::start()
{
    if (m_connection)
        return;
    m_connection = new RedisConnection(m_options.connection, this);
    m_connection->setPushHandler([this](const RespReply &reply) { onPush(reply); });
    connect(m_connection, &RedisConnection::ready, this, &RedisMonitor::onReady);
    connect(m_connection, &RedisConnection::errorOccurred, this, &RedisMonitor::onError);
    m_flushTimer = new QTimer(this);
    m_flushTimer->setInterval(m_options.batchIntervalMs);
    connect(m_flushTimer, &QTimer::timeout, this, &RedisMonitor::flush);
    m_flushTimer->start();
    if (m_options.pingIntervalMs > 0) {
        m_pingTimer = new QTimer(this);
        m_pingTimer->setInterval(m_options.pingIntervalMs);
        connect(m_pingTimer, &QTimer::timeout, this, &RedisMonitor::sendPing);
        m_pingTimer->start();
    }
    if (m_options.activeChannelPollMs > 0) {
        m_control = new RedisConnection(m_options.connection, this);
        m_pollTimer = new QTimer(this);
        m_pollTimer->setInterval(m_options.activeChannelPollMs);
        connect(m_pollTimer, &QTimer::timeout, this, &RedisMonitor::pollActiveChannels);
        m_pollTimer->start();
        m_control->start();
    }
    m_lastRateNs = monotonicNs();
    m_startedAtMs = wallMs();
    m_readUpToMs = m_startedAtMs;
    m_connection->start();
}

void RedisMonitor::stop()
{
    emitMessages(true);
    flush();
    if (m_flushTimer)
        m_flushTimer->stop();
    if (m_pingTimer)
        m_pingTimer->stop();
    if (m_pollTimer)
        m_pollTimer->stop();
    if (m_connection)
        m_connection->stop();
    if (m_control)
        m_control->stop();
    m_up = false;
}

bool RedisMonitor::subscribe(const QByteArray &name, bool isPattern, QString *error)
{
    if (isPattern && !validatePattern(name, error))
        return false;
    if (!isPattern && name.isEmpty()) {
        if (error)
            *error = QStringLiteral("a channel name must not be empty");
        return false;
    }
    Subscription &subscription = (isPattern ? m_patterns : m_channels)[name];
    if (subscription.consumers++ == 0)
        sendSubscribe(name, isPattern, true);
    else if (m_up && subscription.confirmed)
        emit subscriptionConfirmed(name, isPattern, wallMs());
    return true;
}

void RedisMonitor::unsubscribe(const QByteArray &name, bool isPattern)
{
    QHash<QByteArray, Subscription> &map = isPattern ? m_patterns : m_channels;
    const auto it = map.find(name);
    if (it == map.end())
        return;
    if (--it->consumers > 0)
        return;
    map.erase(it);
    sendSubscribe(name, isPattern, false);
}

void RedisMonitor::sendSubscribe(const QByteArray &name, bool isPattern, bool subscribe)
{
    if (!m_up)
        return; // onReady() subscribes to everything in the maps
    static const QByteArray verbs[2][2] = {{"UNSUBSCRIBE", "PUNSUBSCRIBE"},
                                           {"SUBSCRIBE", "PSUBSCRIBE"}};
    m_connection->sendWithoutReply({verbs[subscribe][isPattern], name});
}

bool RedisMonitor::isFullySubscribed() const
{
    if (!m_up)
        return false;
    for (const Subscription &s : m_patterns) {
        if (!s.confirmed)
            return false;
    }
    for (const Subscription &s : m_channels) {
        if (!s.confirmed)
            return false;
    }
    return true;
}

void RedisMonitor::onReady()
{
    m_up = true;
    m_everUp = true;
    m_wasFullySubscribed = false;
    for (auto it = m_patterns.begin(); it != m_patterns.end(); ++it) {
        it->confirmed = false;
        sendSubscribe(it.key(), true, true);
    }
    for (auto it = m_channels.begin(); it != m_channels.end(); ++it) {
        it->confirmed = false;
        sendSubscribe(it.key(), false, true);
    }
    if (m_patterns.isEmpty() && m_channels.isEmpty())
        onFullySubscribed();
}

void RedisMonitor::onFullySubscribed()
{
    m_wasFullySubscribed = true;
    // A new connection holds nothing queued from before this moment.
    const qint64 now = wallMs();
    m_readUpToMs = std::max(m_readUpToMs, now);
    // The outage ends when messages can reach us again: at the confirmation of the
    // last subscription, not at the reconnect before it.
    if (!m_outages.isEmpty() && m_outages.last().endMs < 0) {
        m_outages.last().endMs = now;
        emit outageEnded(m_outages.last());
    }
    emit subscribed();
}

void RedisMonitor::sendPing()
{
    // Only in subscribed mode (the answer is a push then), and not on top of an
    // unanswered backlog without bound.
    if (!m_up || !m_wasFullySubscribed || (m_patterns.isEmpty() && m_channels.isEmpty()) ||
        qsizetype(m_pingsInFlight.size()) >= kMaxPingsInFlight)
        return;
    if (m_connection->sendWithoutReply({QByteArrayLiteral("PING")}))
        m_pingsInFlight.push_back(wallMs());
}

void RedisMonitor::onPong()
{
    if (m_pingsInFlight.empty())
        return;
    const qint64 sentMs = m_pingsInFlight.front();
    m_pingsInFlight.pop_front();
    // Everything read since the last answer was queued before this PING reached Redis.
    for (qsizetype i = m_stamped; i < m_buffer.size(); ++i)
        m_buffer[i].deliveredMs = std::min(m_buffer[i].receivedMs, sentMs);
    m_stamped = m_buffer.size();
    m_readUpToMs = std::max(m_readUpToMs, sentMs);
    emit lagSampled(std::max<qint64>(0, wallMs() - sentMs));
}

bool RedisMonitor::pingClockActive() const
{
    return m_up && m_wasFullySubscribed && m_options.pingIntervalMs > 0 &&
           !(m_patterns.isEmpty() && m_channels.isEmpty());
}

qint64 RedisMonitor::clockMs() const
{
    // Not subscribed (down, or nothing asked for): nothing more can come.
    return pingClockActive() ? m_readUpToMs : wallMs();
}

void RedisMonitor::onError(const RedisError &error)
{
    if (!m_everUp) {
        if (isConfigurationError(error.kind)) {
            // Nothing was ever watched and retrying cannot help: the user must fix it.
            m_connection->stop();
            emit startFailed(error.message);
            return;
        }
        if (!m_outages.isEmpty())
            return; // still not reachable; the connection keeps retrying
        // Unreachable from the start: an outage like any other, from start() on.
        SubscriptionOutage outage;
        outage.startMs = m_startedAtMs;
        outage.kind = error.kind;
        outage.cause = QStringLiteral("Redis could not be reached when the watch started (%1)")
                           .arg(error.message);
        outage.beforeFirstSubscription = true;
        m_outages.append(outage);
        emit outageStarted(outage);
        return;
    }
    if (!m_up)
        return; // already in an outage; reconnect attempts fail quietly
    // What Redis had queued for us after the last answered PING may be lost with the
    // connection: the outage starts there, not at the moment we noticed.
    const qint64 now = wallMs();
    const qint64 lostFromMs = std::min(now, clockMs());
    const qint64 behindMs = now - lostFromMs;
    m_up = false;
    m_pingsInFlight.clear();
    emitMessages(true);
    flush();
    SubscriptionOutage outage;
    outage.startMs = lostFromMs;
    outage.kind = error.kind;
    outage.closedByServer = error.kind == RedisError::Kind::ServerClosed;
    outage.cause = outage.closedByServer && behindMs >= kFellBehindMs
                       ? QStringLiteral("the checker fell behind by %1 ms and Redis dropped its "
                                        "buffer: %2")
                             .arg(behindMs)
                             .arg(error.message)
                       : error.message;
    m_outages.append(outage);
    emit outageStarted(outage);
}

void RedisMonitor::onPush(const RespReply &reply)
{
    const QList<RespReply> &parts = reply.elements;
    const QByteArray &kind = parts.first().text;
    if (kind == "pmessage" && parts.size() == 4) {
        recordMessage(parts[2].text, parts[1].text, parts[3].text);
    } else if (kind == "message" && parts.size() == 3) {
        recordMessage(parts[1].text, QByteArray(), parts[2].text);
    } else if (kind == "pong" || (reply.type == RespReply::Type::Status && reply.text == "PONG")) {
        onPong();
    } else if ((kind == "psubscribe" || kind == "subscribe") && parts.size() >= 2) {
        QHash<QByteArray, Subscription> &map = kind == "psubscribe" ? m_patterns : m_channels;
        const bool isPattern = kind == "psubscribe";
        const auto it = map.find(parts[1].text);
        if (it != map.end()) {
            it->confirmed = true;
            emit subscriptionConfirmed(parts[1].text, isPattern, wallMs());
        }
        if (!m_wasFullySubscribed && isFullySubscribed())
            onFullySubscribed();
    }
    // unsubscribe confirmations need no action.
}

void RedisMonitor::recordMessage(QByteArray channel, QByteArray pattern, QByteArray payload)
{
    ++m_received;
    const qint64 nowMs = wallMs();
    if (m_options.trackChannelStats) {
        auto stats = m_stats.find(channel);
        if (stats == m_stats.end()) {
            if (m_stats.size() < m_options.maxTrackedChannels)
                stats = m_stats.insert(channel, ChannelStats{channel, 0, 0, 0, 0});
            else
                ++m_droppedChannelStats;
        }
        if (stats != m_stats.end()) {
            ++stats->messages;
            stats->bytes += payload.size();
            stats->lastReceivedMs = nowMs;
            // One shared copy per channel and per pattern instead of each message's
            // own: up to bufferLimit + maxConsumerBacklog messages are held at a flood.
            channel = stats->channel;
        }
    }
    if (!pattern.isEmpty()) {
        const auto subscribed = m_patterns.constFind(pattern);
        if (subscribed != m_patterns.cend())
            pattern = subscribed.key();
    }
    m_buffer.append(PubSubMessage{std::move(channel),
                                  std::move(pattern),
                                  std::move(payload),
                                  nowMs,
                                  monotonicNs(),
                                  nowMs,
                                  {}});
    if (m_fieldReader)
        m_fieldReader->locate(m_buffer.last().payload, &m_buffer.last().fields);
    if (!m_readingPaused && m_buffer.size() >= m_options.bufferLimit)
        updateReadingPause();
}

void RedisMonitor::updateReadingPause()
{
    const qint64 backlog = m_options.consumerBacklog ? m_options.consumerBacklog->load() : 0;
    const bool full = m_buffer.size() >= m_options.bufferLimit ||
                      (m_options.consumerBacklog && backlog >= m_options.maxConsumerBacklog);
    const bool roomAgain =
        m_buffer.size() < m_options.bufferLimit / 2 &&
        (!m_options.consumerBacklog || backlog < m_options.maxConsumerBacklog / 2);
    if (!m_readingPaused && full)
        m_readingPaused = true;
    else if (m_readingPaused && roomAgain)
        m_readingPaused = false;
    else
        return;
    if (m_connection)
        m_connection->setReadingPaused(m_readingPaused);
}

void RedisMonitor::emitMessages(bool everything)
{
    // Stamped messages go out; unstamped ones wait for the next PING answer, unless
    // none is coming (no PING in flight) or they waited long enough.
    qsizetype count = m_stamped;
    if (everything || m_pingsInFlight.empty() || !pingClockActive()) {
        count = m_buffer.size();
    } else {
        const qint64 oldestAllowedNs = monotonicNs() - qint64(m_options.holdForPongMs) * 1'000'000;
        while (count < m_buffer.size() && m_buffer[count].receivedMonoNs <= oldestAllowedNs)
            ++count;
    }
    if (count == 0)
        return;
    // Unstamped messages (no PING answer followed them: the monitor was far behind,
    // or the connection was cut) were queued after the last answered PING, at some
    // time up to their receipt. Only the earliest possible time is certain, and a
    // `late` must be certain: they carry that.
    if (m_options.pingIntervalMs > 0 && m_wasFullySubscribed && (pingClockActive() || everything)) {
        for (qsizetype i = m_stamped; i < count; ++i)
            m_buffer[i].deliveredMs = std::min(m_buffer[i].receivedMs, m_readUpToMs);
    }
    if (m_options.consumerBacklog)
        m_options.consumerBacklog->fetch_add(count);
    if (count == m_buffer.size()) {
        emit messages(m_buffer);
        m_buffer.clear();
    } else {
        emit messages(m_buffer.first(count));
        m_buffer.remove(0, count);
    }
    m_stamped = std::max<qsizetype>(0, m_stamped - count);
}

void RedisMonitor::flush()
{
    // Read before the batch goes out: every message queued before it is in the batch
    // or in an earlier one (unstamped messages held back were queued after it).
    const qint64 upTo = clockMs();
    emitMessages(false);
    emit deliveredUpTo(upTo);
    updateReadingPause();
    // Rates over the last whole second, refreshed once a second.
    const qint64 now = monotonicNs();
    if (now - m_lastRateNs >= 1'000'000'000) {
        const double seconds = (now - m_lastRateNs) / 1e9;
        for (auto it = m_stats.begin(); it != m_stats.end(); ++it) {
            qint64 &before = m_countAtLastSecond[it.key()];
            it->messagesPerSecond = (it->messages - before) / seconds;
            before = it->messages;
        }
        m_lastRateNs = now;
    }
}

QList<ChannelStats> RedisMonitor::channelStats() const
{
    return m_stats.values();
}

void RedisMonitor::pollActiveChannels()
{
    if (!m_control || m_control->state() != RedisConnection::State::Ready)
        return;
    // CHANNELS, then NUMSUB for what it listed, then NUMPAT: one pipeline each step.
    m_control->send({"PUBSUB", "CHANNELS"}, [this](const RespReply &channels) {
        if (channels.type != RespReply::Type::Array)
            return;
        QList<QByteArray> argv{"PUBSUB", "NUMSUB"};
        for (const RespReply &channel : channels.elements)
            argv.append(channel.text);
        m_control->send(argv, [this](const RespReply &numsub) {
            auto active = std::make_shared<ActiveChannels>();
            for (qsizetype i = 0; i + 1 < numsub.elements.size(); i += 2)
                active->channels.append({numsub.elements[i].text, numsub.elements[i + 1].integer});
            m_control->send({"PUBSUB", "NUMPAT"}, [this, active](const RespReply &numpat) {
                active->patternSubscriptions = numpat.integer;
                emit activeChannelsPolled(*active);
            });
        });
    });
}

} // namespace dualscope::redis
