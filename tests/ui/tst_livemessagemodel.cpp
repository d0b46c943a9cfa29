// SPDX-License-Identifier: MIT
#include "check/feeditem.h"
#include "gap/gaptypes.h"
#include "live/channeltreemodel.h"
#include "live/livemessagemodel.h"
#include "live/livepanel.h"
#include "redis/redismonitor.h"
#include "widgets/elidedlabel.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTest>

using dualscope::redis::PubSubMessage;
using dualscope::ui::LiveMessageModel;
using dualscope::ui::LivePanel;

namespace {

QByteArray idOf(int i)
{
    return "evt-" + QByteArray::number(i);
}

// As the monitor hands it out: its id and type read with the default mapping.
PubSubMessage located(PubSubMessage m)
{
    dualscope::event::FieldReader(dualscope::gap::FieldMapping().notificationPointers())
        .locate(m.payload, &m.fields);
    return m;
}

PubSubMessage message(int i, const QByteArray &channel = "events:user:octocat")
{
    PubSubMessage m;
    m.channel = channel;
    m.pattern = "events:*";
    m.payload = R"({"id":")" + idOf(i) + R"(","type":"push","source_id":"octocat"})";
    m.receivedMs = 1'700'000'000'000 + i;
    m.receivedMonoNs = qint64(i) * 1000;
    return located(m);
}

QList<PubSubMessage> batch(int first, int count, const QByteArray &channel = "events:user:octocat")
{
    QList<PubSubMessage> result;
    for (int i = first; i < first + count; ++i)
        result.append(message(i, channel));
    return result;
}

// The Kafka record of event i, as the recent-events load gives it: stamped when
// message(i) would have been received, 1000 + i on partition 0.
dualscope::check::FeedItem recordItem(int i, const QByteArray &channel = "events:user:octocat")
{
    dualscope::check::FeedItem item;
    item.source = dualscope::check::FeedItem::Kafka;
    item.id = idOf(i);
    item.type = "push";
    item.sourceId = "octocat";
    item.channel = channel;
    item.timestampMs = 1'700'000'000'000 + i;
    item.partition = 0;
    item.offset = 1000 + i;
    item.raw = R"({"id":")" + idOf(i) + R"(","type":"push","payload":{}})";
    return item;
}

QList<dualscope::check::FeedItem> recordItems(int first, int count,
                                              const QByteArray &channel = "events:user:octocat")
{
    QList<dualscope::check::FeedItem> result;
    for (int i = first; i < first + count; ++i)
        result.append(recordItem(i, channel));
    return result;
}

QString cell(const QAbstractItemModel &model, int row, int column)
{
    return model.data(model.index(row, column)).toString();
}

} // namespace

class TestLiveMessageModel : public QObject
{
    Q_OBJECT

private slots:
    void oneInsertPerBatch();
    void trimsOldestWithOneRemove();
    void batchLargerThanCapacity();
    void shrinkingCapacityTrims();
    void defaultCapacityHoldsOneHundredThousand();
    void parsesIdAndTypeOnce();
    void escapedIdFallsBackToDecoder();
    void setMatchStateOnHeldAndLetGoRows();
    void duplicateIdMarksNewestRow();
    void clearResets();
    void recentEventsGoBeforeWhatCameAfterTheConfirmation();
    void recentEventsAlreadyHeldAreShownOnce();
    void liveCopiesOfLoadedEventsAreDropped();
    void recentEventsPastTheCapacity();

    void panelShowsBatchesCoalesced();
    void panelFilter();
    void panelPauseWithSpace();
    void panelPauseBuffersBounded();
    void panelSubscriptions();
    void panelMalformedPatternShowsError();
    void panelDetailAndSelectNotification();
    void panelAppliesGaps();
    void panelShowsRecentEventsOfItsNewSubscriptionsOnly();
    void panelFillsTheHoleOfARedisOutageFromKafka();
};

void TestLiveMessageModel::oneInsertPerBatch()
{
    // Given a model under the tester
    LiveMessageModel model;
    model.setCapacity(1000);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);

    // When two batches arrive
    model.appendBatch(batch(0, 10));
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(inserted.at(0).at(1).toInt(), 0);
    QCOMPARE(inserted.at(0).at(2).toInt(), 9);
    model.appendBatch(batch(10, 5));

    // Then one insert each, nothing removed
    QCOMPARE(inserted.size(), 2);
    QCOMPARE(inserted.at(1).at(1).toInt(), 10);
    QCOMPARE(inserted.at(1).at(2).toInt(), 14);
    QCOMPARE(removed.size(), 0);
    QCOMPARE(model.rowCount(), 15);
    QCOMPARE(model.droppedCount(), 0);
    model.appendBatch({});
    QCOMPARE(inserted.size(), 2);
}

void TestLiveMessageModel::trimsOldestWithOneRemove()
{
    LiveMessageModel model;
    model.setCapacity(100);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);

    model.appendBatch(batch(0, 80));
    QCOMPARE(removed.size(), 0);
    model.appendBatch(batch(80, 50));

    QCOMPARE(inserted.size(), 2);
    QCOMPARE(removed.size(), 1);
    QCOMPARE(removed.at(0).at(1).toInt(), 0);
    QCOMPARE(removed.at(0).at(2).toInt(), 29); // last is inclusive
    QCOMPARE(model.rowCount(), 100);
    QCOMPARE(model.droppedCount(), 30);
    QCOMPARE(model.idAt(0), idOf(30));
    QCOMPARE(model.idAt(99), idOf(129));
    QCOMPARE(model.rowOfId(idOf(29)), -1);
    QCOMPARE(model.rowOfId(idOf(30)), 0);

    for (int i = 0; i < 5; ++i) {
        inserted.clear();
        removed.clear();
        model.appendBatch(batch(130 + i * 7, 7));
        QCOMPARE(inserted.size(), 1);
        QCOMPARE(removed.size(), 1);
        QCOMPARE(removed.at(0).at(2).toInt(), 6);
    }
    QCOMPARE(model.droppedCount(), 65);
}

void TestLiveMessageModel::batchLargerThanCapacity()
{
    LiveMessageModel model;
    model.setCapacity(10);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);

    model.appendBatch(batch(0, 25));
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(removed.size(), 0);
    QCOMPARE(model.rowCount(), 10);
    QCOMPARE(model.droppedCount(), 15);
    QCOMPARE(model.idAt(0), idOf(15));

    model.appendBatch(batch(25, 30));
    QCOMPARE(inserted.size(), 2);
    QCOMPARE(removed.size(), 1);
    QCOMPARE(removed.at(0).at(2).toInt(), 9);
    QCOMPARE(model.droppedCount(), 45);
    QCOMPARE(model.idAt(0), idOf(45));
}

void TestLiveMessageModel::shrinkingCapacityTrims()
{
    LiveMessageModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.appendBatch(batch(0, 50));
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    model.setCapacity(20);
    QCOMPARE(removed.size(), 1);
    QCOMPARE(removed.at(0).at(2).toInt(), 29);
    QCOMPARE(model.rowCount(), 20);
    QCOMPARE(model.droppedCount(), 30);
    model.setCapacity(40);
    QCOMPARE(removed.size(), 1);
}

void TestLiveMessageModel::defaultCapacityHoldsOneHundredThousand()
{
    LiveMessageModel model;
    QCOMPARE(model.capacity(), LiveMessageModel::kDefaultCapacity);
    QCOMPARE(model.capacity(), 100'000);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    for (int b = 0; b < 12; ++b)
        model.appendBatch(batch(b * 10'000, 10'000));
    QCOMPARE(inserted.size(), 12);
    QCOMPARE(removed.size(), 2);
    QCOMPARE(model.rowCount(), 100'000);
    QCOMPARE(model.droppedCount(), 20'000);
    QCOMPARE(model.idAt(0), idOf(20'000));
    QCOMPARE(model.rowOfId(idOf(119'999)), 99'999);
}

void TestLiveMessageModel::parsesIdAndTypeOnce()
{
    LiveMessageModel model;
    QList<PubSubMessage> messages = batch(0, 1);
    PubSubMessage spaced = message(1, "events:org:acme");
    spaced.payload = R"({ "type" : "fork", "source_id": "id", "id" : "abc-1" })";
    messages.append(located(spaced));
    PubSubMessage broken = message(2);
    broken.payload = "not json";
    messages.append(located(broken));
    model.appendBatch(messages);

    QCOMPARE(cell(model, 0, LiveMessageModel::ChannelColumn),
             QStringLiteral("events:user:octocat"));
    QCOMPARE(cell(model, 0, LiveMessageModel::IdColumn), QStringLiteral("evt-0"));
    QCOMPARE(cell(model, 0, LiveMessageModel::TypeColumn), QStringLiteral("push"));
    QCOMPARE(model.data(model.index(0, LiveMessageModel::SizeColumn)).toLongLong(),
             messages.at(0).payload.size());
    QCOMPARE(cell(model, 0, LiveMessageModel::MatchColumn), QString());
    QVERIFY(!model.data(model.index(0, LiveMessageModel::LatencyColumn)).isValid());
    QVERIFY(!cell(model, 0, LiveMessageModel::ReceivedColumn).isEmpty());
    QCOMPARE(cell(model, 1, LiveMessageModel::IdColumn), QStringLiteral("abc-1"));
    QCOMPARE(cell(model, 1, LiveMessageModel::TypeColumn), QStringLiteral("fork"));
    QCOMPARE(cell(model, 2, LiveMessageModel::IdColumn), QString());
    QCOMPARE(model.data(model.index(2, 0), LiveMessageModel::PayloadRole).toByteArray(),
             QByteArray("not json"));
    QVERIFY(model.data(model.index(1, 0), LiveMessageModel::FilterTextRole)
                .toString()
                .contains(QStringLiteral("events:org:acme")));
}

void TestLiveMessageModel::escapedIdFallsBackToDecoder()
{
    LiveMessageModel model;
    PubSubMessage m = message(0);
    m.payload = R"({"id":"a\"b","type":"t\u0041","source_id":"s"})";
    model.appendBatch({located(m)});
    QCOMPARE(cell(model, 0, LiveMessageModel::IdColumn), QStringLiteral("a\"b"));
    QCOMPARE(cell(model, 0, LiveMessageModel::TypeColumn), QStringLiteral("tA"));
    QCOMPARE(model.rowOfId("a\"b"), 0);
}

void TestLiveMessageModel::setMatchStateOnHeldAndLetGoRows()
{
    LiveMessageModel model;
    model.setCapacity(10);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.appendBatch(batch(0, 10));
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);

    // A held row changes and says so
    QVERIFY(model.setMatchState(idOf(3), QStringLiteral("late"), 1500));
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed.at(0).at(0).toModelIndex().row(), 3);
    QCOMPARE(cell(model, 3, LiveMessageModel::MatchColumn), QStringLiteral("late"));
    QCOMPARE(model.data(model.index(3, LiveMessageModel::LatencyColumn)).toLongLong(), 1500);

    // Once let go, the id is forgotten
    model.appendBatch(batch(10, 5));
    QVERIFY(!model.setMatchState(idOf(3), QStringLiteral("matched"), 2));
    QVERIFY(!model.setMatchState("never-seen", QStringLiteral("matched"), 2));
    QCOMPARE(changed.size(), 1);
    QVERIFY(model.setMatchState(idOf(12), QStringLiteral("matched"), 7));
    QCOMPARE(changed.size(), 2);
    QCOMPARE(cell(model, model.rowOfId(idOf(12)), LiveMessageModel::MatchColumn),
             QStringLiteral("matched"));
}

void TestLiveMessageModel::duplicateIdMarksNewestRow()
{
    LiveMessageModel model;
    model.setCapacity(3);
    model.appendBatch({message(1), message(1)});
    QCOMPARE(model.rowOfId(idOf(1)), 1);
    model.appendBatch({message(2), message(3)}); // lets the first copy go
    QCOMPARE(model.rowOfId(idOf(1)), 0);
    model.appendBatch({message(4)}); // and the second
    QCOMPARE(model.rowOfId(idOf(1)), -1);
}

void TestLiveMessageModel::clearResets()
{
    LiveMessageModel model;
    model.setCapacity(5);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.appendBatch(batch(0, 8));
    model.clear();
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.droppedCount(), 0);
    QCOMPARE(model.rowOfId(idOf(7)), -1);
    model.appendBatch(batch(0, 2));
    QCOMPARE(model.rowOfId(idOf(1)), 1);
}

void TestLiveMessageModel::panelShowsBatchesCoalesced()
{
    LivePanel panel;
    panel.resize(1000, 600);
    panel.show();
    QSignalSpy inserted(panel.messageModel(), &QAbstractItemModel::rowsInserted);
    // Three monitor batches in a row land in one model insert.
    panel.appendMessages(batch(0, 10));
    panel.appendMessages(batch(10, 10));
    panel.appendMessages(batch(20, 10));
    QCOMPARE(panel.messageModel()->rowCount(), 0);
    QTRY_COMPARE(panel.messageModel()->rowCount(), 30);
    QCOMPARE(inserted.size(), 1);
    QTRY_COMPARE(panel.channelModel()->messageCount("events:user:octocat"), 30);
    auto *status = panel.findChild<dualscope::ui::ElidedLabel *>(QStringLiteral("liveStatus"));
    QVERIFY(status);
    QCOMPARE(status->fullText(), QStringLiteral("30 rows, 0 let go"));

    panel.setHistoryCapacity(20);
    QCOMPARE(panel.droppedCount(), 10);
    QCOMPARE(status->fullText(), QStringLiteral("20 rows, 10 let go"));
}

void TestLiveMessageModel::panelFilter()
{
    LivePanel panel;
    panel.resize(1000, 600);
    panel.show();
    panel.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&panel));
    panel.appendMessages(batch(0, 10, "events:user:octocat"));
    panel.appendMessages(batch(10, 4, "events:user:alice"));
    QTRY_COMPARE(panel.messageModel()->rowCount(), 14);

    // Ctrl+F focuses the filter
    panel.messageView()->setFocus();
    QTest::keyClick(panel.messageView(), Qt::Key_F, Qt::ControlModifier);
    auto *filter = panel.findChild<QLineEdit *>(QStringLiteral("filter"));
    QVERIFY(filter);
    QTRY_VERIFY(filter->hasFocus());

    QTest::keyClicks(filter, QStringLiteral("ALICE"));
    QCOMPARE(panel.messageView()->model()->rowCount(), 4);
    filter->clear();
    QTest::keyClicks(filter, QStringLiteral("evt-1"));
    QCOMPARE(panel.messageView()->model()->rowCount(), 5); // evt-1, evt-10..13
    // A space typed in the filter is text, not pause
    QTest::keyClick(filter, Qt::Key_Space);
    QVERIFY(!panel.isPaused());
    filter->clear();
    QTest::keyClicks(filter, QStringLiteral("push"));
    QCOMPARE(panel.messageView()->model()->rowCount(), 14);
    filter->clear();
    QCOMPARE(panel.messageView()->model()->rowCount(), 14);
}

void TestLiveMessageModel::panelPauseWithSpace()
{
    LivePanel panel;
    panel.resize(1000, 600);
    panel.show();
    panel.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&panel));
    panel.appendMessages(batch(0, 200));
    QTRY_COMPARE(panel.messageModel()->rowCount(), 200);
    QTableView *view = panel.messageView();
    view->setFocus();
    QTRY_VERIFY(panel.followTail());
    const int scrollBefore = view->verticalScrollBar()->value();

    // Space pauses: new batches wait, the view does not move
    QTest::keyClick(view, Qt::Key_Space);
    QVERIFY(panel.isPaused());
    panel.appendMessages(batch(200, 50));
    QTest::qWait(150);
    QCOMPARE(panel.messageModel()->rowCount(), 200);
    QCOMPARE(panel.pendingCount(), 50);
    QCOMPARE(view->verticalScrollBar()->value(), scrollBefore);
    auto *status = panel.findChild<dualscope::ui::ElidedLabel *>(QStringLiteral("liveStatus"));
    QVERIFY(status->fullText().contains(QStringLiteral("50 waiting")));

    // Space again resumes, the waiting rows arrive in one insert
    QSignalSpy inserted(panel.messageModel(), &QAbstractItemModel::rowsInserted);
    QTest::keyClick(view, Qt::Key_Space);
    QVERIFY(!panel.isPaused());
    QTRY_COMPARE(panel.messageModel()->rowCount(), 250);
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(panel.pendingCount(), 0);
}

void TestLiveMessageModel::panelPauseBuffersBounded()
{
    LivePanel panel;
    panel.setHistoryCapacity(100);
    panel.setPaused(true);
    for (int b = 0; b < 5; ++b)
        panel.appendMessages(batch(b * 40, 40));
    QCOMPARE(panel.pendingCount(), 100);
    QCOMPARE(panel.droppedCount(), 100);
    panel.setPaused(false);
    QTRY_COMPARE(panel.messageModel()->rowCount(), 100);
    QCOMPARE(panel.messageModel()->idAt(0), idOf(100));
    QCOMPARE(panel.droppedCount(), 100);
}

void TestLiveMessageModel::panelSubscriptions()
{
    LivePanel panel;
    panel.setSubscriptions({{"events:*", true}});
    QCOMPARE(panel.subscriptions().size(), 1);
    QSignalSpy subscribe(&panel, &LivePanel::subscribeRequested);
    QSignalSpy unsubscribe(&panel, &LivePanel::unsubscribeRequested);

    auto *input = panel.findChild<QLineEdit *>(QStringLiteral("newSubscription"));
    auto *add = panel.findChild<QPushButton *>(QStringLiteral("addSubscription"));
    auto *remove = panel.findChild<QPushButton *>(QStringLiteral("removeSubscription"));
    auto *kind = panel.findChild<QComboBox *>(QStringLiteral("subscriptionKind"));
    auto *list = panel.findChild<QListWidget *>(QStringLiteral("subscriptionList"));
    QVERIFY(input && add && remove && kind && list);

    QTest::keyClicks(input, QStringLiteral("orders:?"));
    QTest::mouseClick(add, Qt::LeftButton);
    QCOMPARE(subscribe.size(), 1);
    QCOMPARE(subscribe.at(0).at(0).toByteArray(), QByteArray("orders:?"));
    QCOMPARE(subscribe.at(0).at(1).toBool(), true);
    QVERIFY(input->text().isEmpty());

    kind->setCurrentIndex(1); // channel
    QTest::keyClicks(input, QStringLiteral("plain[1"));
    QTest::keyClick(input, Qt::Key_Return);
    QCOMPARE(subscribe.size(), 2);
    QCOMPARE(subscribe.at(1).at(1).toBool(), false);
    QCOMPARE(list->count(), 3);

    list->setCurrentRow(0);
    QTest::mouseClick(remove, Qt::LeftButton);
    QCOMPARE(unsubscribe.size(), 1);
    QCOMPARE(unsubscribe.at(0).at(0).toByteArray(), QByteArray("events:*"));
    QCOMPARE(unsubscribe.at(0).at(1).toBool(), true);
    QCOMPARE(list->count(), 2);
}

void TestLiveMessageModel::panelMalformedPatternShowsError()
{
    LivePanel panel;
    panel.show();
    QSignalSpy subscribe(&panel, &LivePanel::subscribeRequested);
    auto *input = panel.findChild<QLineEdit *>(QStringLiteral("newSubscription"));
    auto *add = panel.findChild<QPushButton *>(QStringLiteral("addSubscription"));
    auto *error = panel.findChild<QLabel *>(QStringLiteral("subscriptionError"));
    QVERIFY(input && add && error);

    QTest::keyClicks(input, QStringLiteral("events:[abc"));
    QTest::mouseClick(add, Qt::LeftButton);
    QCOMPARE(subscribe.size(), 0);
    QVERIFY(error->isVisible());
    QVERIFY(error->text().contains(QStringLiteral("never closed")));
    QCOMPARE(input->text(), QStringLiteral("events:[abc")); // kept for fixing

    input->clear();
    QTest::mouseClick(add, Qt::LeftButton); // empty
    QCOMPARE(subscribe.size(), 0);
    QVERIFY(error->isVisible());

    QTest::keyClicks(input, QStringLiteral("events:[abc]"));
    QTest::mouseClick(add, Qt::LeftButton);
    QCOMPARE(subscribe.size(), 1);
    QVERIFY(!error->isVisible());
}

void TestLiveMessageModel::panelDetailAndSelectNotification()
{
    LivePanel panel;
    panel.resize(1000, 600);
    panel.show();
    panel.appendMessages(batch(0, 300));
    QTRY_COMPARE(panel.messageModel()->rowCount(), 300);

    QVERIFY(panel.selectNotification(idOf(42)));
    QCOMPARE(panel.messageView()->currentIndex().row(), 42);
    QVERIFY(!panel.followTail());
    auto *detail = panel.findChild<QPlainTextEdit *>(QStringLiteral("detail"));
    QVERIFY(detail->toPlainText().contains(QStringLiteral("\"id\": \"evt-42\"")));
    QVERIFY(detail->toPlainText().contains(QLatin1Char('\n')));
    QVERIFY(!panel.selectNotification("unknown"));
}

void TestLiveMessageModel::panelAppliesGaps()
{
    LivePanel panel;
    panel.appendMessages(batch(0, 5));
    // A verdict that overtakes its message is applied when the message is shown
    panel.applyMatches({{idOf(0), 2, 4711, 12}});
    QTRY_COMPARE(panel.messageModel()->rowCount(), 5);
    const auto *model = panel.messageModel();
    QCOMPARE(cell(*model, 0, LiveMessageModel::MatchColumn), QStringLiteral("matched"));
    QCOMPARE(model->data(model->index(0, LiveMessageModel::LatencyColumn)).toLongLong(), 12);
    QCOMPARE(model->recordAt(0), (std::pair<qint32, qint64>{2, 4711}));
    // and "Show in Kafka" on that row asks for its record; a row without one cannot
    QSignalSpy asked(&panel, &LivePanel::showRecordRequested);
    auto *show = panel.findChild<QAction *>(QStringLiteral("showInKafka"));
    QVERIFY(show);
    QVERIFY(panel.selectNotification(idOf(0)));
    QVERIFY(show->isEnabled());
    QVERIFY(panel.messageView()->actions().contains(show)); // on its context menu
    show->trigger();
    QCOMPARE(asked.count(), 1);
    QCOMPARE(asked.first().at(0).toInt(), 2);
    QCOMPARE(asked.first().at(1).toLongLong(), 4711);
    QVERIFY(panel.selectNotification(idOf(3)));
    QVERIFY(!show->isEnabled());
    // a verdict arriving for the selected row enables it there and then
    dualscope::gap::Gap duplicate;
    duplicate.kind = dualscope::gap::GapKind::Duplicate;
    duplicate.id = idOf(3);
    duplicate.partition = 1;
    duplicate.offset = 9;
    panel.applyGaps({duplicate});
    QVERIFY(show->isEnabled());

    dualscope::gap::Gap late;
    late.kind = dualscope::gap::GapKind::Late;
    late.id = idOf(1);
    late.kafkaTsMs = 1000;
    late.redisTsMs = 2500;
    dualscope::gap::Gap wrong;
    wrong.kind = dualscope::gap::GapKind::WrongChannel;
    wrong.id = idOf(2);
    panel.applyGaps({late, wrong});
    QCOMPARE(cell(*model, 1, LiveMessageModel::MatchColumn), QStringLiteral("late"));
    QCOMPARE(model->data(model->index(1, LiveMessageModel::LatencyColumn)).toLongLong(), 1500);
    QCOMPARE(cell(*model, 2, LiveMessageModel::MatchColumn), QStringLiteral("wrong_channel"));
}

void TestLiveMessageModel::recentEventsGoBeforeWhatCameAfterTheConfirmation()
{
    // Given events 0-4 received live, then a subscription confirmed at the time of
    // event 10, and events 10-12 received after it
    LiveMessageModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.appendBatch(batch(0, 5));
    model.appendBatch(batch(10, 3));
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);

    // When the records of events 5-9 are loaded for it
    qsizetype alreadyHeld = -1;
    const qsizetype added =
        model.insertRecent(recordItems(5, 5), 1'700'000'000'000 + 10, &alreadyHeld);

    // Then they sit between, in one insert, marked as from Kafka with their place
    QCOMPARE(added, 5);
    QCOMPARE(alreadyHeld, 0);
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(inserted.at(0).at(1).toInt(), 5);
    QCOMPARE(inserted.at(0).at(2).toInt(), 9);
    QCOMPARE(removed.size(), 0);
    QCOMPARE(model.rowCount(), 13);
    for (int row = 0; row < 13; ++row) {
        // 0-4 live, 5-9 loaded, 10-12 live
        QCOMPARE(model.idAt(row), idOf(row));
        QCOMPARE(model.data(model.index(row, 0), LiveMessageModel::FromKafkaRole).toBool(),
                 row >= 5 && row < 10);
    }
    QCOMPARE(cell(model, 5, LiveMessageModel::MatchColumn), QStringLiteral("from Kafka"));
    QCOMPARE(cell(model, 5, LiveMessageModel::ChannelColumn),
             QStringLiteral("events:user:octocat"));
    QCOMPARE(cell(model, 5, LiveMessageModel::TypeColumn), QStringLiteral("push"));
    QCOMPARE(model.recordAt(7), (std::pair<qint32, qint64>{0, 1007}));
    QVERIFY(model.data(model.index(7, 0), Qt::ToolTipRole)
                .toString()
                .contains(QLatin1String("offset 1007")));
    // and every id still finds its row after the insert in the middle
    for (int row = 0; row < 13; ++row)
        QCOMPARE(model.rowOfId(idOf(row)), row);
    // and a verdict lands on a loaded row, replacing the marker
    QVERIFY(model.setMatchState(idOf(6), QStringLiteral("matched"), 3));
    QCOMPARE(cell(model, 6, LiveMessageModel::MatchColumn), QStringLiteral("matched"));
}

void TestLiveMessageModel::recentEventsAlreadyHeldAreShownOnce()
{
    // Given events 0-9 received live
    LiveMessageModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.appendBatch(batch(0, 10));
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);

    // When the load brings events 5-14, one of them twice
    QList<dualscope::check::FeedItem> items = recordItems(5, 10);
    items.append(recordItem(12));
    qsizetype alreadyHeld = -1;
    const qsizetype added = model.insertRecent(items, 1'700'000'000'000 + 20, &alreadyHeld);

    // Then only 10-14 are added, after the live rows, and nothing is shown twice
    QCOMPARE(added, 5);
    QCOMPARE(alreadyHeld, 6);
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(inserted.at(0).at(1).toInt(), 10);
    QCOMPARE(model.rowCount(), 15);
    for (int row = 0; row < 15; ++row)
        QCOMPARE(model.idAt(row), idOf(row));

    // And a load with nothing new inserts nothing
    QCOMPARE(model.insertRecent(recordItems(0, 15), 0, &alreadyHeld), 0);
    QCOMPARE(alreadyHeld, 15);
    QCOMPARE(inserted.size(), 1);
}

void TestLiveMessageModel::liveCopiesOfLoadedEventsAreDropped()
{
    // Given events 0-4 loaded from Kafka
    LiveMessageModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    qsizetype alreadyHeld = 0;
    QCOMPARE(model.insertRecent(recordItems(0, 5), 0, &alreadyHeld), 5);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);

    // When the notifications of 3-7 arrive live (3 and 4 were in flight at the cut)
    model.appendBatch(batch(3, 5));

    // Then 3 and 4 are not shown again: 5-7 are added
    QCOMPARE(model.liveCopiesDropped(), 2);
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(model.rowCount(), 8);
    for (int row = 0; row < 8; ++row)
        QCOMPARE(model.idAt(row), idOf(row));
    // and a batch made only of such copies inserts nothing
    model.appendBatch(batch(0, 2));
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(model.liveCopiesDropped(), 4);
    // but a live message repeating a live one is shown (the checker calls it a duplicate)
    model.appendBatch(batch(6, 1));
    QCOMPARE(model.rowCount(), 9);
}

void TestLiveMessageModel::recentEventsPastTheCapacity()
{
    // Given a history of 10 rows, 8 of them held
    LiveMessageModel model;
    model.setCapacity(10);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.appendBatch(batch(0, 8));
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);

    // When 15 recent events arrive, older than all of them
    qsizetype alreadyHeld = 0;
    const qsizetype added =
        model.insertRecent(recordItems(100, 15), 1'700'000'000'000 - 1, &alreadyHeld);

    // Then the newest 10 of the load are kept, ahead of nothing: the history is full
    QCOMPARE(added, 10);
    QCOMPARE(model.rowCount(), 10);
    QCOMPARE(removed.size(), 1);
    QCOMPARE(model.droppedCount(), 5 + 8);
    QCOMPARE(model.idAt(0), idOf(105));
    QCOMPARE(model.rowOfId(idOf(0)), -1);
    QCOMPARE(model.rowOfId(idOf(114)), 9);
}

void TestLiveMessageModel::panelShowsRecentEventsOfItsNewSubscriptionsOnly()
{
    // Given a panel subscribed to events:user:* and to one exact channel
    LivePanel panel;
    panel.setSubscriptions({{"events:user:*", true}, {"events:repo:acme/site", false}});
    const QList<std::pair<QByteArray, bool>> asked{
        {"events:user:*", true}, {"events:repo:acme/site", false}, {"events:org:*", true}};

    // When a load brings events of three channels, for those two and one it dropped
    QList<dualscope::check::FeedItem> items = recordItems(0, 3, "events:user:octocat");
    items += recordItems(3, 2, "events:repo:acme/site");
    items += recordItems(5, 4, "events:org:acme");
    items += recordItems(9, 1, "events:repo:acme/other");
    panel.addRecentEvents(items, 0, asked, 200);

    // Then only the channels it still receives are shown, and the status says so
    const auto *model = panel.messageModel();
    QCOMPARE(model->rowCount(), 5);
    for (int row = 0; row < 5; ++row)
        QCOMPARE(model->idAt(row), idOf(row));
    const auto *status =
        panel.findChild<dualscope::ui::ElidedLabel *>(QStringLiteral("liveStatus"));
    QVERIFY(status);
    QVERIFY2(
        status->fullText().contains(QLatin1String("5 recent from Kafka (of the topic's last "
                                                  "200: 5 on these channels, 0 already shown)")),
        qPrintable(status->fullText()));

    // And the checker's word on them: a judged event shows its verdict, one it
    // still waits on or no longer remembers keeps the marker
    dualscope::gap::EventStatus matched;
    matched.id = idOf(0);
    matched.stage = dualscope::gap::EventStatus::Stage::Judged;
    matched.verdict = dualscope::gap::GapKind::Matched;
    matched.latencyMs = 4;
    dualscope::gap::EventStatus missing = matched;
    missing.id = idOf(1);
    missing.verdict = dualscope::gap::GapKind::Missing;
    missing.latencyMs = -1;
    dualscope::gap::EventStatus waiting;
    waiting.id = idOf(2);
    waiting.stage = dualscope::gap::EventStatus::Stage::AwaitingNotification;
    dualscope::gap::EventStatus forgotten;
    forgotten.id = idOf(3);
    panel.applyStatuses({matched, missing, waiting, forgotten});
    QCOMPARE(cell(*model, 0, LiveMessageModel::MatchColumn), QStringLiteral("matched"));
    QCOMPARE(model->data(model->index(0, LiveMessageModel::LatencyColumn)).toLongLong(), 4);
    QCOMPARE(cell(*model, 1, LiveMessageModel::MatchColumn), QStringLiteral("missing"));
    QCOMPARE(cell(*model, 2, LiveMessageModel::MatchColumn), QStringLiteral("from Kafka"));
    QCOMPARE(cell(*model, 3, LiveMessageModel::MatchColumn), QStringLiteral("from Kafka"));

    // And a load of an empty topic says nothing
    panel.addRecentEvents({}, 0, asked, 200);
    QVERIFY2(!status->fullText().contains(QLatin1String("recent")), qPrintable(status->fullText()));

    // And a failed load says why
    panel.setRecentEventsError(QStringLiteral("Kafka: unknown topic"));
    QVERIFY(status->fullText().contains(
        QLatin1String("recent events not loaded: Kafka: unknown topic")));
}

void TestLiveMessageModel::panelFillsTheHoleOfARedisOutageFromKafka()
{
    // Given a panel that showed events 0-9 live, lost its subscription from the
    // moment of event 10 to that of event 30, and shows 30-34 live since
    constexpr qint64 t0 = 1'700'000'000'000;
    LivePanel panel;
    panel.setSubscriptions({{"events:*", true}});
    panel.appendMessages(batch(0, 10));
    panel.appendMessages(batch(30, 5));
    const QList<std::pair<QByteArray, bool>> asked{{"events:*", true}};

    // When the topic's last events (0-29) are loaded after the outage, counting
    // those from 2 ms before it (a notification may have been on its way)
    panel.addOutageEvents(recordItems(0, 30), t0 + 10, t0 + 30, t0 + 8, asked, 200);

    // Then the 20 events of the outage fill its hole, from Kafka, in time order;
    // 8 and 9, shown live, are not shown twice; older ones are not touched
    const auto *model = panel.messageModel();
    QCOMPARE(model->rowCount(), 35);
    for (int row = 0; row < 35; ++row) {
        QCOMPARE(model->idAt(row), idOf(row));
        QCOMPARE(model->data(model->index(row, 0), LiveMessageModel::FromKafkaRole).toBool(),
                 row >= 10 && row < 30);
    }
    const auto *status =
        panel.findChild<dualscope::ui::ElidedLabel *>(QStringLiteral("liveStatus"));
    QVERIFY(status);
    QVERIFY2(
        status->fullText().contains(QLatin1String(
            "Redis was down for 0.0 s: 20 events of the outage from Kafka (22 on these channels, 2 "
            "already shown)")),
        qPrintable(status->fullText()));
    QVERIFY2(!status->fullText().contains(QLatin1String("only the topic's last")),
             qPrintable(status->fullText()));

    // And when the load holds only the outage's newest events, the status says the
    // older ones are in Kafka only
    LivePanel shortLoad;
    shortLoad.setSubscriptions({{"events:*", true}});
    shortLoad.appendMessages(batch(0, 10));
    shortLoad.addOutageEvents(recordItems(15, 15), t0 + 10, t0 + 30, t0 + 8, asked, 15);
    QCOMPARE(shortLoad.messageModel()->rowCount(), 25);
    const auto *shortStatus =
        shortLoad.findChild<dualscope::ui::ElidedLabel *>(QStringLiteral("liveStatus"));
    QVERIFY2(shortStatus->fullText().contains(QLatin1String(
                 "only the topic's last 15 were loaded: older events of the outage are in Kafka "
                 "only")),
             qPrintable(shortStatus->fullText()));
}

QTEST_MAIN(TestLiveMessageModel)
#include "tst_livemessagemodel.moc"
