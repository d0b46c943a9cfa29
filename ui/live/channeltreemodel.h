// SPDX-License-Identifier: MIT
#pragma once

#include "redis/channelglob.h"

#include <QAbstractItemModel>
#include <QByteArray>
#include <QHash>
#include <QList>
#include <memory>
#include <vector>

namespace dualscope::redis {
struct PubSubMessage;
struct ActiveChannels;
} // namespace dualscope::redis

namespace dualscope::ui {

// The channels seen (and the ones PUBSUB reports active) as a tree of their
// ':'-separated names: events -> user -> octocat. Each node counts the messages of
// its subtree, its rate over the last rate period, and, for a channel, its
// subscribers. Updates come in batches and never reset the model: new channels are
// inserted (one insert pair per parent per batch), changed rows get dataChanged.
// Rows are only ever appended, so a node's row never changes. GUI thread only.
class ChannelTreeModel final : public QAbstractItemModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ChannelTreeModel)

public:
    enum Column { NameColumn, MessagesColumn, RateColumn, SubscribersColumn, ColumnCount };
    enum Role {
        FullNameRole = Qt::UserRole + 1, // QByteArray: the channel or the prefix of a group
        IsChannelRole,                   // bool
        IsOtherRole,                     // bool: the overflow bucket
    };

    // A tree with more distinct channels than this is no longer something to read,
    // and a publisher with a channel per event must not grow it without bound: the
    // rest is counted under one "(other)" row.
    static constexpr int kDefaultMaxChannels = 10'000;

    explicit ChannelTreeModel(QObject *parent = nullptr);
    ~ChannelTreeModel() override;

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    void addMessages(const QList<redis::PubSubMessage> &batch);
    // The same, already counted per channel.
    void addCounts(const QHash<QByteArray, qint64> &messagesPerChannel);
    // Subscriber counts from PUBSUB NUMSUB; channels not listed have none. Active
    // channels not yet seen are added with no messages.
    void setActiveChannels(const redis::ActiveChannels &active);
    // The patterns this view subscribes with (PSUBSCRIBE globs): a channel they
    // match shows "N + k", N exact subscribers (NUMSUB) and k of these patterns.
    // Redis counts pattern subscriptions only server-wide (NUMPAT) and never says
    // which channels other clients' patterns match; the tooltip says so.
    void setOwnPatterns(const QList<QByteArray> &patterns);
    // Rates = messages since the previous call / time since it. Called about once a
    // second with a monotonic clock; the first call only sets the baseline. A
    // channel with no message for kStaleAfterMs turns stale (greyed, tooltip).
    void updateRates(qint64 nowMonoNs);
    static constexpr qint64 kStaleAfterMs = 30'000;
    bool isStale(const QByteArray &channel) const;

    int maxChannels() const { return m_maxChannels; }
    void setMaxChannels(int maxChannels); // applies to channels seen from now on
    int channelCount() const { return int(m_channels.size()); }
    qint64 patternSubscriptions() const { return m_patternSubscriptions; }
    // Index of a channel's row (column 0), invalid when unknown (or in "(other)").
    QModelIndex indexOfChannel(const QByteArray &channel) const;
    // Messages of a channel, or of everything beyond the bound for "(other)".
    qint64 messageCount(const QByteArray &channel) const;
    qint64 otherMessageCount() const;

    void clear();

private:
    struct Node
    {
        Node *parent = nullptr;
        QByteArray segment;
        QByteArray fullName;
        std::vector<std::unique_ptr<Node>> children;
        QHash<QByteArray, Node *> childBySegment;
        int row = 0;
        bool isChannel = false;
        bool isOther = false;
        qint64 messages = 0; // the subtree's
        qint64 subscribers = 0;
        qint64 messagesAtLastRate = 0;
        double rate = 0;
        // Monotonic time of the last rate period that saw a message (0: none yet).
        qint64 lastActiveNs = 0;
        bool stale = false;
    };

    Node *nodeOf(const QModelIndex &index) const;
    QModelIndex indexOfNode(const Node *node, int column = 0) const;
    // Finds or creates the node of every channel, inserting new ones with one
    // insert pair per existing parent; channels beyond the bound map to "(other)"
    // (nullptr when `useOther` is false).
    QHash<QByteArray, Node *> ensureChannels(const QList<QByteArray> &names, bool useOther);
    Node *otherNode();
    void emitChanged(const QList<Node *> &nodes, int firstColumn, int lastColumn);
    QStringList matchingPatterns(const QByteArray &channel) const;

    std::unique_ptr<Node> m_root;
    QHash<QByteArray, Node *> m_channels;
    Node *m_other = nullptr;
    int m_maxChannels = kDefaultMaxChannels;
    qint64 m_lastRateNs = 0;
    qint64 m_patternSubscriptions = 0;
    QList<redis::ChannelGlob> m_ownPatterns;
};

} // namespace dualscope::ui
