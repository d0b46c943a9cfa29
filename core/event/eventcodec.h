// SPDX-License-Identifier: MIT
#pragma once

#include "event/event.h"

#include <QString>
#include <optional>

namespace dualscope::event {

// Why a record or notification was refused. `field` names the offending field
// ("source_id", "payload") or is empty when the whole document is at fault.
struct CodecError
{
    QString field;
    QString message;
    // Byte offset of a JSON syntax error in the input, -1 when not a syntax error.
    qsizetype offset = -1;
    // encodeEvent(): the event is valid but over the size limit.
    bool tooLarge = false;

    QString toString() const;
};

// Kafka's default message.max.bytes: a larger value would be refused by the broker
// after a round trip, so the codec refuses it up front with a clearer message.
inline constexpr qsizetype kDefaultMaxEventBytes = 1'000'000;

// All functions are pure and thread-safe.

// Strict decoding of a full event (the Kafka value): valid UTF-8 JSON object; id,
// type, source_type and source_id non-empty strings without control characters;
// timestamp an ISO 8601 string; payload an object when present.
std::optional<Event> decodeEvent(const QByteArray &json, CodecError *error);

// Appends the event's JSON to `out`. Refuses an empty id, control characters or
// invalid UTF-8 in the text fields, and a result over `maxBytes` (out is left as
// it was). `payloadJson` is trusted to be a JSON object (decodeEvent and
// EventTemplate guarantee it); validatePayload() checks one from elsewhere.
bool encodeEvent(const Event &event, QByteArray *out, CodecError *error,
                 qsizetype maxBytes = kDefaultMaxEventBytes);
bool validatePayload(const QByteArray &payloadJson, CodecError *error);

// The notification: {"id":..,"type":..,"source_id":..}; id must be non-empty.
std::optional<Notification> decodeNotification(const QByteArray &json, CodecError *error);
// Appends the notification's JSON; the fields come from an encoded event, so
// they are already valid.
void appendNotification(QByteArray *out, const Notification &notification);
QByteArray encodeNotification(const Notification &notification);

} // namespace dualscope::event
