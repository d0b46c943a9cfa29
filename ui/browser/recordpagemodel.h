// SPDX-License-Identifier: MIT
#pragma once

#include "event/fieldreader.h"
#include "kafka/browsertypes.h"
#include "kafka/kafkarecord.h"

#include <QAbstractTableModel>
#include <deque>
#include <optional>

namespace dualscope::ui {

// The records of one page of a partition, plus what the live tail appends,
// bounded by capacity(): a tail batch is one insert pair and its trim one remove
// pair. Cell text is formatted lazily in data(). GUI thread only.
class RecordPageModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RecordPageModel)

public:
    enum Column {
        OffsetColumn,
        TimestampColumn,
        // The event id, read from the value through the field mapping's id pointer.
        IdColumn,
        KeyColumn,
        SizeColumn,
        ValueColumn,
        ColumnCount
    };
    enum Role {
        // qint64 offset of the row's record (any column).
        OffsetRole = Qt::UserRole + 1,
        // QByteArray event id of the row's record; empty when it has none.
        IdRole,
        // Offset, key, value and headers as one text, for the search box.
        SearchRole,
    };

    // As large as the largest page the browser returns.
    static constexpr int kDefaultCapacity = kafka::kMaxPageCount;
    // Bytes of a value shown in the table's preview column.
    static constexpr int kPreviewBytes = 160;

    explicit RecordPageModel(QObject *parent = nullptr);

    // The JSON pointer of the event id in a record's value (default "/id").
    void setIdPointer(const QByteArray &pointer);
    // The id of row's record, read once and kept; empty when it has none.
    QByteArray idOf(int row) const;

    int capacity() const { return m_capacity; }
    // Trims the oldest records when the model holds more.
    void setCapacity(int capacity);

    // Replaces the rows (a reset). newestFirst: the records come newest on top,
    // and tail appends go on top as well.
    void setRecords(const QList<kafka::KafkaRecord> &records, bool newestFirst);
    // Records newer than those held, in offset order: one insert pair at the
    // newest end, then at most one remove pair at the oldest end.
    void appendRecords(const QList<kafka::KafkaRecord> &records);
    void clear();

    bool newestFirst() const { return m_newestFirst; }
    const kafka::KafkaRecord &record(int row) const;
    // -1 when no row holds that offset.
    int rowOfOffset(qint64 offset) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // Shared with the detail pane.
    static QString timestampText(const kafka::KafkaRecord &record);
    static QString previewText(const QByteArray &bytes, int maxBytes);
    // Valid UTF-8 without control characters other than tab and line breaks.
    static bool isText(const QByteArray &bytes);

private:
    void trimTo(int capacity);

    std::deque<kafka::KafkaRecord> m_records;
    // Parallel to m_records: each id is read the first time it is shown, so a
    // fast tail costs no JSON parsing on the GUI thread for rows never looked at.
    mutable std::deque<std::optional<QByteArray>> m_ids;
    event::FieldReader m_idReader;
    int m_capacity = kDefaultCapacity;
    bool m_newestFirst = false;
};

} // namespace dualscope::ui
