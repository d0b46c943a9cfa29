// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QMetaType>

namespace dualscope::event {

// The full record of the dual-stream contract: the Kafka value. Text fields hold
// UTF-8 bytes, as they travel on the wire, so the publish hot path never converts
// to and from QString.
struct Event
{
    QByteArray id;
    QByteArray type;
    QByteArray sourceType;
    QByteArray sourceId;
    // Milliseconds since the Unix epoch, UTC; encoded as ISO 8601 with milliseconds.
    qint64 timestampMs = 0;
    // The payload object as JSON text (already validated); empty means "{}".
    QByteArray payloadJson;
};

// The lightweight Redis message: identifiers only, never the payload.
struct Notification
{
    QByteArray id;
    QByteArray type;
    QByteArray sourceId;
};

// ISO 8601 UTC with milliseconds, e.g. "2026-11-27T15:04:05.123Z".
QByteArray formatTimestamp(qint64 msSinceEpoch);
// Parses the ISO 8601 forms we accept (with 'Z' or an offset, with or without
// fractional seconds); returns false when the text is not a timestamp.
bool parseTimestamp(const QByteArray &text, qint64 *msSinceEpoch);

Notification notificationFor(const Event &event);

} // namespace dualscope::event

Q_DECLARE_METATYPE(dualscope::event::Event)
Q_DECLARE_METATYPE(dualscope::event::Notification)
