// SPDX-License-Identifier: MIT
#pragma once

#include "event/fieldreader.h"

#include <QByteArray>
#include <QList>
#include <QMetaType>
#include <QString>
#include <utility>

// The Pub/Sub monitor's value types: what the live view shows. Apart from
// redismonitor.h so that ui/ sees them without the client classes.
namespace dualscope::redis {

// One message received on a subscription.
struct PubSubMessage
{
    QByteArray channel;
    QByteArray pattern; // empty for an exact-channel subscription
    QByteArray payload;
    qint64 receivedMs = 0;     // wall clock, ms since the epoch (compared with Kafka time)
    qint64 receivedMonoNs = 0; // monotonic, for rates and intervals
    // When Redis had already queued it for us, at the latest: the send time of the
    // first PING answered after it. A subscriber that reads late still knows when
    // the message was delivered to it: receivedMs - deliveredMs is the subscriber's
    // own lag, not the system's latency. When no PING answer followed it (far behind,
    // or cut), the earliest time it can have been queued: the last answer's PING.
    // Without PINGs (pingIntervalMs 0, nothing subscribed): receivedMs.
    qint64 deliveredMs = 0;
    // The notification's id and type as spans of the payload, read with the field
    // mapping on the monitor's thread when it was asked to (Options::readFields);
    // empty otherwise, and for a payload without a usable id.
    event::FieldSpans fields = {};
};

struct ChannelStats
{
    QByteArray channel;
    qint64 messages = 0;
    qint64 bytes = 0;
    double messagesPerSecond = 0; // over the last second
    qint64 lastReceivedMs = 0;
};

// What PUBSUB CHANNELS / NUMSUB / NUMPAT say about the server, polled on a second
// connection.
struct ActiveChannels
{
    QList<std::pair<QByteArray, qint64>> channels; // channel, subscribers
    qint64 patternSubscriptions = 0;               // NUMPAT, server-wide
};

// Refuses what Redis would take but that cannot be what the user meant: empty,
// whitespace or control characters, an unclosed '['.
bool validatePattern(const QByteArray &pattern, QString *error);

} // namespace dualscope::redis

Q_DECLARE_METATYPE(dualscope::redis::PubSubMessage)
Q_DECLARE_METATYPE(dualscope::redis::ActiveChannels)
