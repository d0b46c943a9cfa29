// SPDX-License-Identifier: MIT
#include "gaps/gaptablemodel.h"

#include "event/event.h"

namespace dualscope::ui {

GapTableModel::GapTableModel(QObject *parent) : QAbstractTableModel(parent) {}

GapTableModel::~GapTableModel() = default;

int GapTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int GapTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant GapTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const gap::Gap &g = m_rows.at(index.row());
    const auto timestamp = [](qint64 ms) {
        return ms >= 0 ? QVariant(QString::fromLatin1(event::formatTimestamp(ms))) : QVariant();
    };
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case KindColumn:
            return QString::fromLatin1(gap::kindName(g.kind));
        case IdColumn:
            return QString::fromUtf8(g.id);
        case PartitionColumn:
            return g.partition >= 0 ? QVariant(g.partition) : QVariant();
        case OffsetColumn:
            return g.offset >= 0 ? QVariant(g.offset) : QVariant();
        case ChannelColumn:
            return QString::fromUtf8(g.channel);
        case ExpectedChannelColumn:
            return QString::fromUtf8(g.expectedChannel);
        case KafkaTsColumn:
            return timestamp(g.kafkaTsMs);
        case RedisTsColumn:
            return timestamp(g.redisTsMs);
        case DetailColumn:
            return g.detail;
        }
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() == PartitionColumn || index.column() == OffsetColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case KindRole:
        return int(g.kind);
    case KindNameRole:
        return QString::fromLatin1(gap::kindName(g.kind));
    }
    return {};
}

QVariant GapTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case KindColumn:
        return tr("Kind");
    case IdColumn:
        return tr("Id");
    case PartitionColumn:
        return tr("Partition");
    case OffsetColumn:
        return tr("Offset");
    case ChannelColumn:
        return tr("Channel");
    case ExpectedChannelColumn:
        return tr("Expected channel");
    case KafkaTsColumn:
        return tr("Kafka time");
    case RedisTsColumn:
        return tr("Redis time");
    case DetailColumn:
        return tr("Detail");
    }
    return {};
}

void GapTableModel::trimOldest(qsizetype count)
{
    if (count <= 0)
        return;
    beginRemoveRows({}, 0, int(count) - 1); // last is inclusive
    m_rows.dropOldest(count);
    m_firstSequence += count;
    endRemoveRows();
}

bool GapTableModel::revise(const gap::Gap &revision)
{
    const auto found = m_silentRows.constFind(revision.id);
    if (found == m_silentRows.cend())
        return false;
    const qint64 row = *found - m_firstSequence;
    m_silentRows.erase(found);
    if (row < 0 || row >= m_rows.size() || m_rows.at(row).id != revision.id)
        return false; // let go since
    m_rows.at(row) = revision;
    emit dataChanged(index(int(row), 0), index(int(row), ColumnCount - 1));
    return true;
}

void GapTableModel::appendGaps(const QList<gap::Gap> &incoming)
{
    // A revision replaces the row of the verdict it revises, where that row is still
    // held: the table shows the final verdicts, as the CLI's report does.
    QList<gap::Gap> gaps;
    gaps.reserve(incoming.size());
    for (const gap::Gap &gap : incoming) {
        if (!gap.revises || !revise(gap))
            gaps.append(gap);
    }
    if (gaps.isEmpty())
        return;
    qsizetype skip = 0;
    qsizetype count = gaps.size();
    if (count > m_rows.capacity()) {
        skip = count - m_rows.capacity();
        count = m_rows.capacity();
        m_rows.countDropped(skip);
    }
    trimOldest(m_rows.overflowAfter(count));
    const int first = int(m_rows.size());
    beginInsertRows({}, first, first + int(count) - 1);
    for (qsizetype i = skip; i < gaps.size(); ++i) {
        const gap::Gap &gap = gaps.at(i);
        if (gap.kind == gap::GapKind::Missing || gap.kind == gap::GapKind::Unobserved)
            m_silentRows.insert(gap.id, m_firstSequence + m_rows.size());
        m_rows.push(gap);
    }
    endInsertRows();
    // Rows let go leave stale entries; bounded by the table's own capacity.
    if (m_silentRows.size() > 2 * m_rows.capacity()) {
        for (auto it = m_silentRows.begin(); it != m_silentRows.end();)
            it = *it < m_firstSequence ? m_silentRows.erase(it) : std::next(it);
    }
}

QList<gap::Gap> GapTableModel::gaps() const
{
    QList<gap::Gap> result;
    result.reserve(m_rows.size());
    for (qsizetype i = 0; i < m_rows.size(); ++i)
        result.append(m_rows.at(i));
    return result;
}

void GapTableModel::setCapacity(qsizetype capacity)
{
    m_rows.setCapacity(capacity);
    trimOldest(m_rows.overflowAfter(0));
}

void GapTableModel::clear()
{
    beginResetModel();
    m_rows.clear();
    m_rows.resetDropped();
    m_silentRows.clear();
    m_firstSequence = 0;
    endResetModel();
}

} // namespace dualscope::ui
