// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QList>
#include <QMetaType>

namespace dualscope::check {

// One event as a viewer shows it, from either stream. Plain value: any thread.
struct FeedItem
{
    enum Source { Kafka, Redis };

    Source source = Kafka;
    QByteArray id;
    QByteArray type;
    QByteArray sourceId;
    // Redis: the channel it arrived on. Kafka: the channel the channel template
    // gives for the record, where its notification is expected; empty when the
    // template cannot be filled from it, or when no template was given.
    QByteArray channel;
    // Kafka: the record timestamp. Redis: when the notification was received.
    // Both ms since the epoch.
    qint64 timestampMs = 0;
    qint32 partition = -1; // Kafka only
    qint64 offset = -1;    // Kafka only
    // The Kafka value or the notification payload, as received.
    QByteArray raw;
};

} // namespace dualscope::check

Q_DECLARE_METATYPE(dualscope::check::FeedItem)
