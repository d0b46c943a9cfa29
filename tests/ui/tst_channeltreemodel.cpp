// SPDX-License-Identifier: MIT
#include "live/channeltreemodel.h"
#include "redis/redismonitor.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using dualscope::redis::ActiveChannels;
using dualscope::redis::PubSubMessage;
using dualscope::ui::ChannelTreeModel;

namespace {

QList<PubSubMessage> messagesOn(const QList<std::pair<QByteArray, int>> &counts)
{
    QList<PubSubMessage> result;
    for (const auto &[channel, count] : counts) {
        for (int i = 0; i < count; ++i) {
            PubSubMessage m;
            m.channel = channel;
            m.payload = R"({"id":"x","type":"t"})";
            result.append(m);
        }
    }
    return result;
}

QModelIndex child(const ChannelTreeModel &model, const QModelIndex &parent, const QString &name)
{
    for (int row = 0; row < model.rowCount(parent); ++row) {
        const QModelIndex index = model.index(row, 0, parent);
        if (index.data().toString() == name)
            return index;
    }
    return {};
}

qint64 messages(const QModelIndex &index)
{
    return index.siblingAtColumn(ChannelTreeModel::MessagesColumn).data().toLongLong();
}

} // namespace

class TestChannelTreeModel : public QObject
{
    Q_OBJECT

private slots:
    void groupsByPrefixWithOneInsertPerParent();
    void countsWithoutInsertsOrResets();
    void newChannelUnderExistingGroup();
    void groupThatIsAlsoAChannel();
    void boundedWithOtherBucket();
    void subscribersFromActiveChannels();
    void ratesOverTheLastPeriod();
    void ownPatternsCountAmongSubscribers();
    void aQuietChannelTurnsStaleAndBack();
};

void TestChannelTreeModel::groupsByPrefixWithOneInsertPerParent()
{
    ChannelTreeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);

    model.addMessages(messagesOn({{"events:user:octocat", 3},
                                  {"events:user:alice", 2},
                                  {"events:org:acme", 1},
                                  {"orders", 4}}));

    // All new channels hang under the root: one insert (events, orders)
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(reset.size(), 0);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.channelCount(), 4);
    const QModelIndex events = child(model, {}, QStringLiteral("events"));
    QVERIFY(events.isValid());
    QCOMPARE(messages(events), 6);
    const QModelIndex user = child(model, events, QStringLiteral("user"));
    QCOMPARE(messages(user), 5);
    QCOMPARE(model.rowCount(user), 2);
    const QModelIndex octocat = child(model, user, QStringLiteral("octocat"));
    QCOMPARE(messages(octocat), 3);
    QCOMPARE(octocat.data(ChannelTreeModel::FullNameRole).toByteArray(),
             QByteArray("events:user:octocat"));
    QVERIFY(octocat.data(ChannelTreeModel::IsChannelRole).toBool());
    QVERIFY(!user.data(ChannelTreeModel::IsChannelRole).toBool());
    QCOMPARE(user.data(ChannelTreeModel::FullNameRole).toByteArray(), QByteArray("events:user"));
    QCOMPARE(messages(child(model, {}, QStringLiteral("orders"))), 4);
    QCOMPARE(model.indexOfChannel("events:user:octocat"), octocat);
}

void TestChannelTreeModel::countsWithoutInsertsOrResets()
{
    ChannelTreeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.addMessages(messagesOn({{"a:b", 1}, {"a:c", 1}}));
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);

    model.addMessages(messagesOn({{"a:b", 10}, {"a:c", 5}}));
    QCOMPARE(inserted.size(), 0);
    QCOMPARE(removed.size(), 0);
    QCOMPARE(reset.size(), 0);
    // One dataChanged for the two siblings, one for their parent
    QCOMPARE(changed.size(), 2);
    QCOMPARE(model.messageCount("a:b"), 11);
    QCOMPARE(messages(child(model, {}, QStringLiteral("a"))), 17);
}

void TestChannelTreeModel::newChannelUnderExistingGroup()
{
    ChannelTreeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.addMessages(messagesOn({{"events:user:octocat", 1}}));
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);

    model.addMessages(messagesOn({{"events:user:bob", 1},
                                  {"events:user:carol", 1},
                                  {"events:org:acme:x", 1},
                                  {"events:org:acme:y", 1}}));
    // user gets bob and carol (one insert), events gets org with its subtree (one)
    QCOMPARE(inserted.size(), 2);
    const QModelIndex events = child(model, {}, QStringLiteral("events"));
    const QModelIndex user = child(model, events, QStringLiteral("user"));
    QCOMPARE(model.rowCount(user), 3);
    const QModelIndex acme =
        child(model, child(model, events, QStringLiteral("org")), QStringLiteral("acme"));
    QCOMPARE(model.rowCount(acme), 2);
    QCOMPARE(messages(events), 5);
}

void TestChannelTreeModel::groupThatIsAlsoAChannel()
{
    ChannelTreeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.addMessages(messagesOn({{"a:b:c", 2}}));
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    model.addMessages(messagesOn({{"a:b", 3}}));
    QCOMPARE(inserted.size(), 0);
    const QModelIndex b = child(model, child(model, {}, QStringLiteral("a")), QStringLiteral("b"));
    QVERIFY(b.data(ChannelTreeModel::IsChannelRole).toBool());
    QCOMPARE(messages(b), 5);               // the subtree
    QCOMPARE(model.messageCount("a:b"), 3); // its own
}

void TestChannelTreeModel::boundedWithOtherBucket()
{
    ChannelTreeModel model;
    model.setMaxChannels(3);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.addMessages(messagesOn({{"c:1", 1}, {"c:2", 1}, {"c:3", 1}}));
    model.addMessages(messagesOn({{"c:4", 2}, {"c:5", 3}, {"c:1", 1}}));
    QCOMPARE(model.channelCount(), 3);
    QCOMPARE(model.otherMessageCount(), 5);
    QCOMPARE(model.messageCount("c:1"), 2);
    QVERIFY(!model.indexOfChannel("c:4").isValid());
    const QModelIndex other = model.index(model.rowCount() - 1, 0);
    QVERIFY(other.data(ChannelTreeModel::IsOtherRole).toBool());
    QCOMPARE(messages(other), 5);

    // ten thousand by default
    QCOMPARE(ChannelTreeModel().maxChannels(), 10'000);
}

void TestChannelTreeModel::subscribersFromActiveChannels()
{
    ChannelTreeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.addMessages(messagesOn({{"events:user:octocat", 1}}));
    ActiveChannels active;
    active.channels = {{"events:user:octocat", 2}, {"idle:chan", 1}};
    active.patternSubscriptions = 3;
    model.setActiveChannels(active);
    const QModelIndex octocat = model.indexOfChannel("events:user:octocat");
    QCOMPARE(octocat.siblingAtColumn(ChannelTreeModel::SubscribersColumn).data().toLongLong(), 2);
    // An active channel not seen yet is shown with no messages
    const QModelIndex idle = model.indexOfChannel("idle:chan");
    QVERIFY(idle.isValid());
    QCOMPARE(messages(idle), 0);
    QCOMPARE(model.patternSubscriptions(), 3);

    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    active.channels = {{"idle:chan", 1}};
    model.setActiveChannels(active);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(octocat.siblingAtColumn(ChannelTreeModel::SubscribersColumn).data().toLongLong(), 0);
}

void TestChannelTreeModel::ratesOverTheLastPeriod()
{
    ChannelTreeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.addMessages(messagesOn({{"a:b", 10}}));
    model.updateRates(1'000'000'000);
    model.addMessages(messagesOn({{"a:b", 100}}));
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.updateRates(3'000'000'000); // two seconds later
    const QModelIndex b = model.indexOfChannel("a:b");
    QCOMPARE(b.siblingAtColumn(ChannelTreeModel::RateColumn).data().toString(),
             QStringLiteral("50"));
    QCOMPARE(changed.size(), 2); // a:b and a, one per parent
    model.updateRates(4'000'000'000);
    QCOMPARE(b.siblingAtColumn(ChannelTreeModel::RateColumn).data().toString(),
             QStringLiteral("0.0"));
}

void TestChannelTreeModel::ownPatternsCountAmongSubscribers()
{
    ChannelTreeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.addMessages(messagesOn({{"events:user:octocat", 1}, {"audit:x", 1}}));
    ActiveChannels active;
    active.channels = {{"events:user:octocat", 1}};
    active.patternSubscriptions = 4;
    model.setActiveChannels(active);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    // when this view subscribes with two patterns, one matching each channel
    model.setOwnPatterns({"events:*", "events:user:*", "audit:?"});
    QVERIFY(!changed.isEmpty());
    const QModelIndex octocat = model.indexOfChannel("events:user:octocat")
                                    .siblingAtColumn(ChannelTreeModel::SubscribersColumn);
    const QModelIndex audit =
        model.indexOfChannel("audit:x").siblingAtColumn(ChannelTreeModel::SubscribersColumn);
    // then exact subscribers and our matching patterns are shown apart
    QCOMPARE(octocat.data().toString(), QStringLiteral("1 + 2"));
    QCOMPARE(audit.data().toString(), QStringLiteral("0 + 1"));
    const QString tip = octocat.data(Qt::ToolTipRole).toString();
    QVERIFY2(tip.contains(QLatin1String("1 exact subscriber")), qPrintable(tip));
    QVERIFY2(tip.contains(QLatin1String("events:*, events:user:*")), qPrintable(tip));
    QVERIFY2(tip.contains(QLatin1String("4 pattern subscription")), qPrintable(tip));
    // a '*' crosses '/' as in Redis, and a set matches one character
    model.addMessages(messagesOn({{"events:repo:owner/repo", 1}, {"audit:yz", 1}}));
    QCOMPARE(model.indexOfChannel("events:repo:owner/repo")
                 .siblingAtColumn(ChannelTreeModel::SubscribersColumn)
                 .data()
                 .toString(),
             QStringLiteral("0 + 1"));
    model.setOwnPatterns({"audit:[xy]", "audit:[^x]z"});
    QCOMPARE(audit.data().toString(), QStringLiteral("0 + 1"));
    QCOMPARE(model.indexOfChannel("audit:yz")
                 .siblingAtColumn(ChannelTreeModel::SubscribersColumn)
                 .data()
                 .toString(),
             QStringLiteral("0 + 1"));
    // and without patterns, the exact count alone
    model.setOwnPatterns({});
    QCOMPARE(octocat.data().toString(), QStringLiteral("1"));
}

void TestChannelTreeModel::aQuietChannelTurnsStaleAndBack()
{
    ChannelTreeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    constexpr qint64 second = 1'000'000'000;
    model.addMessages(messagesOn({{"a:b", 1}, {"a:c", 1}}));
    model.updateRates(1 * second);
    QVERIFY(!model.isStale("a:b"));
    // a:c goes on, a:b falls silent past the threshold
    for (qint64 t = 2; t <= 32; ++t) {
        model.addMessages(messagesOn({{"a:c", 1}}));
        model.updateRates(t * second);
    }
    QVERIFY(model.isStale("a:b"));
    QVERIFY(!model.isStale("a:c"));
    const QModelIndex b = model.indexOfChannel("a:b");
    QVERIFY(b.data(Qt::ForegroundRole).isValid());
    QVERIFY(b.data(Qt::ToolTipRole).toString().contains(QLatin1String("Stale")));
    // one message brings it back
    model.addMessages(messagesOn({{"a:b", 1}}));
    model.updateRates(33 * second);
    QVERIFY(!model.isStale("a:b"));
    QVERIFY(!b.data(Qt::ForegroundRole).isValid());
}

QTEST_MAIN(TestChannelTreeModel)
#include "tst_channeltreemodel.moc"
