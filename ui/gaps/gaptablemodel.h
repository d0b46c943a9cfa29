// SPDX-License-Identifier: MIT
#pragma once

#include "gap/gaptypes.h"
#include "live/ringbuffer.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QList>

namespace dualscope::ui {

// The newest gaps, one row each, oldest first. Batches are inserted with one insert
// pair; past the capacity the oldest rows are let go with one remove pair and
// counted. GUI thread only.
class GapTableModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(GapTableModel)

public:
    enum Column {
        KindColumn,
        IdColumn,
        PartitionColumn,
        OffsetColumn,
        ChannelColumn,
        ExpectedChannelColumn,
        KafkaTsColumn,
        RedisTsColumn,
        DetailColumn,
        ColumnCount
    };
    enum Role {
        KindRole = Qt::UserRole + 1, // int(gap::GapKind)
        KindNameRole,                // QString, the docs/design.md name
    };

    // A run with a broken publisher can report a gap per event; the table keeps the
    // newest 100,000 (~30 MB) and the counters keep counting.
    static constexpr qsizetype kDefaultCapacity = 100'000;

    explicit GapTableModel(QObject *parent = nullptr);
    ~GapTableModel() override;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // Appends new gaps; a revision (Gap::revises) replaces the row it revises instead.
    void appendGaps(const QList<gap::Gap> &gaps);
    const gap::Gap &gapAt(int row) const { return m_rows.at(row); }
    QList<gap::Gap> gaps() const;

    qsizetype capacity() const { return m_rows.capacity(); }
    void setCapacity(qsizetype capacity);
    qint64 droppedCount() const { return m_rows.droppedCount(); }

    void clear();

private:
    void trimOldest(qsizetype count);
    bool revise(const gap::Gap &revision);

    RingBuffer<gap::Gap> m_rows{kDefaultCapacity};
    // Rows ever let go from the front: row = sequence - m_firstSequence.
    qint64 m_firstSequence = 0;
    // The sequence of each missing/unobserved row, by id: what a revision replaces.
    QHash<QByteArray, qint64> m_silentRows;
};

} // namespace dualscope::ui
