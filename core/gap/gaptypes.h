// SPDX-License-Identifier: MIT
#pragma once

#include "event/fieldreader.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QMetaType>
#include <QString>
#include <optional>

// Value types of the gap checker (docs/design.md, "Gap semantics"). Plain data: any
// thread may use them; they are copied, never shared.
namespace dualscope::gap {

enum class GapKind {
    Matched,
    Missing,
    Orphan,
    WrongChannel,
    Duplicate,
    Late,
    Oversized,
    Unparseable,
    Unobserved,
    // Informational, outside the invariant: per-source order is lost.
    KeySpread, // a Kafka key whose records sit on more than one partition
    Reordered, // on one channel, notifications in another order than their records
};

// Every kind in docs/design.md's order, for loops over counts, reports and tables.
inline constexpr GapKind kAllGapKinds[] = {
    GapKind::Matched,    GapKind::Missing,   GapKind::Orphan,    GapKind::WrongChannel,
    GapKind::Duplicate,  GapKind::Late,      GapKind::Oversized, GapKind::Unparseable,
    GapKind::Unobserved, GapKind::KeySpread, GapKind::Reordered,
};

// key_spread and reordered say something about order, not about delivery: they
// stand outside the invariant and do not make a check fail.
bool isInformational(GapKind kind);

// The docs/design.md name: "matched", "missing", "orphan", "wrong_channel", ...
const char *kindName(GapKind kind);
// The kind of a docs/design.md name (exact, lower case); nullopt for anything else.
std::optional<GapKind> kindFromName(QByteArrayView name);

// One record read from the Kafka topic.
struct KafkaObservation
{
    qint32 partition = -1;
    qint64 offset = -1;
    // The record timestamp (CreateTime or LogAppendTime), ms since the epoch.
    qint64 timestampMs = 0;
    QByteArray key;
    QByteArray value;
};

// One message received from the Redis subscription.
struct RedisObservation
{
    QByteArray channel;
    // The subscription pattern that delivered it (empty for a plain SUBSCRIBE).
    QByteArray pattern;
    QByteArray payload;
    // Wall clock when the checker received it, ms since the epoch.
    qint64 receivedMs = 0;
    // When Redis had it queued for the checker at the latest (the checker may read
    // late): latency and the grace window are judged on it. -1: receivedMs.
    qint64 deliveredMs = -1;
    // The partition its record is on by the channel's source id, when the checker
    // computes it (a consumer group member); -1: not known.
    qint32 partition = -1;
};

// An event whose notification arrived on the expected channel: what a live view
// needs to show its verdict and open its record.
struct MatchedEvent
{
    QByteArray id;
    qint32 partition = -1;
    qint64 offset = -1;
    qint64 latencyMs = 0;
};

// Where one event stands in the checker, for a trace of one fired event. Fields
// that do not apply yet keep their "unknown" value (-1 or empty).
struct EventStatus
{
    enum class Stage : quint8 {
        NotSeen,              // the checker holds nothing of this id (yet, or no longer)
        AwaitingNotification, // its Kafka record was read, no notification yet
        AwaitingKafka,        // its notification came first; the record is not read yet
        Judged,               // `verdict` is given
    };
    QByteArray id;
    Stage stage = Stage::NotSeen;
    // When judged: Matched, Late, WrongChannel, Missing, Unobserved or Orphan.
    GapKind verdict = GapKind::Matched;
    qint32 partition = -1;
    qint64 offset = -1;
    qint64 kafkaTsMs = -1;
    QByteArray channel; // of the first notification
    QByteArray expectedChannel;
    qint64 redisTsMs = -1; // when the checker read the first notification
    qint64 latencyMs = -1; // from the record's timestamp to Redis's delivery, >= 0
    quint32 copies = 0;    // notifications seen (more than one: duplicate)
    QString detail;        // the checker's own words, from its gap when there is one

    friend bool operator==(const EventStatus &, const EventStatus &) = default;
};

// One finding. Fields that do not apply keep their "unknown" value (-1 or empty):
// an orphan has no partition, a missing event has no Redis time.
struct Gap
{
    GapKind kind = GapKind::Missing;
    QByteArray id;
    qint32 partition = -1;
    qint64 offset = -1;
    // The channel the notification arrived on.
    QByteArray channel;
    // The channel the template gives for the Kafka event.
    QByteArray expectedChannel;
    qint64 kafkaTsMs = -1;
    qint64 redisTsMs = -1;
    QString detail;
    // A revision: this gap replaces the earlier verdict of the same id (a missing
    // event whose notification came after the grace window is matched and late).
    std::optional<GapKind> revises;

    friend bool operator==(const Gap &, const Gap &) = default;
};

struct GapCounts
{
    qint64 matched = 0;
    qint64 missing = 0;
    qint64 orphan = 0;
    qint64 wrongChannel = 0;
    qint64 duplicate = 0;
    qint64 late = 0;
    qint64 oversized = 0;
    qint64 unparseable = 0;
    qint64 unobserved = 0;
    qint64 keySpread = 0;
    qint64 reordered = 0;
    // Every record and notification seen, parseable or not.
    qint64 kafkaRecords = 0;
    qint64 redisNotifications = 0;
    // Parseable Kafka records with an id not seen before: each is judged exactly
    // once, so after finish() matched + missing + wrongChannel + unobserved equals
    // it (docs/design.md's invariant; a record repeating an id is a duplicate instead).
    qint64 kafkaEvents = 0;
    // Notifications the detector let go unjudged because its memory cap
    // (Config::maxPendingEntries) was reached; zero in any sane run.
    qint64 droppedNotifications = 0;
    // Judged ids the detector forgot before their memory window ended, to stay within
    // the same cap. A notification of one of them finds nothing: it is counted in
    // unjudgedNotifications, never an orphan; a record repeating one whose
    // notification does not come is `unobserved`, never missing.
    qint64 forgottenEarly = 0;
    // After the window closed: records stamped later and notifications delivered
    // later that belong to no event of the window. Neither judged nor counted above.
    qint64 outsideWindowRecords = 0;
    qint64 outsideWindowNotifications = 0;
    // Verdicts revised once (missing or unobserved turned matched or wrong_channel).
    qint64 revised = 0;
    // Notifications left unjudged because the Kafka tail had not read far enough to
    // tell an orphan (its lag is not the system's fault), or lost records, or an id
    // the memory cap forgot early.
    qint64 unjudgedNotifications = 0;

    // Every kind except matched and the informational ones: what makes `check` exit 1.
    qint64 gapTotal() const;
    qint64 of(GapKind kind) const;
    qint64 &of(GapKind kind);

    friend bool operator==(const GapCounts &, const GapCounts &) = default;
};

// Where the fields live, as JSON pointers (RFC 6901): "/id", "/meta/event_id",
// "/a~1b" for the member "a/b". The ids are required; the other pointers may be
// empty, meaning "this system does not carry that field".
struct FieldMapping
{
    QByteArray kafkaId = "/id";
    QByteArray kafkaType = "/type";
    QByteArray kafkaSourceType = "/source_type";
    QByteArray kafkaSourceId = "/source_id";
    QByteArray notificationId = "/id";
    QByteArray notificationType = "/type";
    QByteArray notificationSourceId = "/source_id";

    // Refuses a pointer that does not start with '/', a '~' not followed by '0' or
    // '1', control characters, and an empty id pointer. The error names the field.
    static bool validate(const FieldMapping &mapping, QString *error);

    // For event::FieldReader: where a Kafka record and a notification hold them.
    event::FieldPointers kafkaPointers() const
    {
        return {kafkaId, kafkaType, kafkaSourceType, kafkaSourceId};
    }
    event::FieldPointers notificationPointers() const
    {
        return {notificationId, notificationType, QByteArray(), notificationSourceId};
    }

    friend bool operator==(const FieldMapping &, const FieldMapping &) = default;
};

// A period when the checker's own Redis subscription was down.
struct RedisOutage
{
    qint64 startMs = 0;
    // -1 while still down.
    qint64 endMs = -1;
    QString cause;

    friend bool operator==(const RedisOutage &, const RedisOutage &) = default;
};

} // namespace dualscope::gap

Q_DECLARE_METATYPE(dualscope::gap::Gap)
Q_DECLARE_METATYPE(dualscope::gap::GapCounts)
Q_DECLARE_METATYPE(dualscope::gap::MatchedEvent)
Q_DECLARE_METATYPE(dualscope::gap::EventStatus)
