// SPDX-License-Identifier: MIT
#pragma once

#include "event/fieldreader.h"
#include "live/ringbuffer.h"

#include <QAbstractTableModel>
#include <QByteArray>
#include <QHash>
#include <QList>
#include <QSet>
#include <QString>
#include <QStringList>

namespace dualscope::redis {
struct PubSubMessage;
}
namespace dualscope::check {
struct FeedItem;
}

namespace dualscope::ui {

// The newest Redis Pub/Sub messages, one row each, oldest first. Rows arrive in
// batches (one beginInsertRows per batch); past the capacity the oldest rows are let
// go with one beginRemoveRows and counted. The id and type of each notification
// come read by the monitor (PubSubMessage::fields, through the field mapping) and
// are kept as offsets into the payload; cell text is made only when a view asks
// for it. GUI thread only.
class LiveMessageModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LiveMessageModel)

public:
    enum Column {
        ReceivedColumn,
        ChannelColumn,
        IdColumn,
        // The checker's verdict beside the id, where a laptop screen still shows it.
        MatchColumn,
        LatencyColumn,
        TypeColumn,
        SizeColumn,
        ColumnCount
    };
    enum Role {
        PayloadRole = Qt::UserRole + 1, // QByteArray, the raw payload
        IdRole,                         // QByteArray
        ChannelRole,                    // QByteArray
        PatternRole,                    // QByteArray, empty for a plain SUBSCRIBE
        ReceivedMsRole,                 // qint64, wall clock ms since the epoch
        FilterTextRole,                 // QString: channel, id, type and payload, for filtering
        FromKafkaRole,                  // bool: loaded from Kafka, not received from Redis
    };

    // 100,000 rows of ~90-byte notifications hold ~30 MB: minutes of history at
    // realistic rates, seconds at a flood, and a bounded footprint either way.
    static constexpr qsizetype kDefaultCapacity = 100'000;

    explicit LiveMessageModel(QObject *parent = nullptr);
    ~LiveMessageModel() override;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // One insert pair for the batch, and at most one remove pair for the oldest rows
    // when the history would exceed the capacity. A batch larger than the capacity
    // keeps only its newest messages (the others count as let go).
    // A message whose id a row loaded from Kafka holds is dropped and counted
    // (liveCopiesDropped): the view shows each event once.
    void appendBatch(const QList<redis::PubSubMessage> &batch);

    // Recent events loaded from Kafka when a subscription was confirmed at
    // `confirmedMs`, oldest first: inserted (one insert pair) before the first held
    // row received at or after that moment, so the history reads in time order.
    // Each shows its record's time, the channel its notification is expected on, and
    // its record's place (Show in Kafka works at once). An id already held is
    // skipped and counted in *alreadyHeld. Past the capacity the oldest rows go
    // first. Returns how many were inserted.
    qsizetype insertRecent(const QList<check::FeedItem> &items, qint64 confirmedMs,
                           qsizetype *alreadyHeld);
    // Live messages dropped because a row loaded from Kafka showed their event.
    qint64 liveCopiesDropped() const { return m_liveCopiesDropped; }

    qsizetype capacity() const { return m_rows.capacity(); }
    // A smaller capacity trims the oldest rows at once (one remove pair).
    void setCapacity(qsizetype capacity);
    // Rows let go since construction or clear().
    qint64 droppedCount() const { return m_rows.droppedCount(); }

    // Sets the match column ("matched", "missing", "late", ...) and the latency (-1:
    // none) of the newest held row with this notification id, and where its Kafka
    // record is when known (partition -1: not), emitting dataChanged for that row.
    // False when no held row has the id (never seen, or let go).
    bool setMatchState(const QByteArray &id, const QString &state, qint64 latencyMs,
                       qint32 partition = -1, qint64 offset = -1);
    // The partition and offset of the row's Kafka record, once the checker said;
    // {-1, -1} before.
    std::pair<qint32, qint64> recordAt(int row) const;
    // The row of the newest held message with this id, -1 when none.
    int rowOfId(const QByteArray &id) const;
    QByteArray idAt(int row) const;
    QByteArray payloadAt(int row) const;

    void clear();

private:
    struct Row
    {
        QByteArray channel; // shared with every other row of the channel (interned)
        QByteArray pattern; // interned too
        QByteArray payload;
        qint64 receivedMs = 0;
        qint32 latencyMs = -1;
        // The Kafka record the checker matched it with (or judged it against).
        qint32 partition = -1;
        qint64 offset = -1;
        // Where the id and type lie in the payload, as the monitor read them with
        // the field mapping: offsets rather than copies, no allocation per message.
        event::FieldSpans fields;
        quint8 state = 0; // index into m_stateNames, 0 = no verdict yet
        bool fromKafka = false;

        QByteArray id() const;
        QByteArray type() const;
    };

    Row makeRow(const redis::PubSubMessage &message);
    Row makeRow(const check::FeedItem &item);
    // Points every id of the rows from `row` on at its newest row (after an insert
    // in the middle moved them).
    void reindexFrom(qsizetype row);
    QByteArray intern(const QByteArray &channel);
    quint8 stateIndex(const QString &state);
    void trimOldest(qsizetype count);

    RingBuffer<Row> m_rows{kDefaultCapacity};
    // Sequence number of row 0; row r has m_firstSeq + r. Lets the id index survive
    // trims without renumbering.
    qint64 m_firstSeq = 0;
    // id -> sequence of its newest held row; entries leave with their rows, so the
    // index is bounded by the capacity.
    QHash<QByteArray, qint64> m_idToSeq;
    QSet<QByteArray> m_channels; // channels and patterns, interned
    QStringList m_stateNames;
    // Held rows loaded from Kafka: while none is, a live batch needs no id lookup.
    qsizetype m_kafkaRowsHeld = 0;
    qint64 m_liveCopiesDropped = 0;
};

} // namespace dualscope::ui
