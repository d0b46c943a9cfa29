// SPDX-License-Identifier: MIT
// The whole window against the sandbox, driven through its real widgets: what a
// user does first.
#include "browser/browserpanel.h"
#include "browser/recordpagemodel.h"
#include "compose/eventtracewindow.h"
#include "compose/firepanel.h"
#include "gaps/gappanel.h"
#include "live/livemessagemodel.h"
#include "live/livepanel.h"
#include "main/healthlight.h"
#include "main/mainwindow.h"
#include "rawproducer.h"
#include "services.h"
#include "widgets/elidedlabel.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDoubleSpinBox>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QProcess>
#include <QPushButton>
#include <QRegularExpression>
#include <QSet>
#include <QSettings>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QSplitter>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace dualscope;

class TestMainWindow final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_settingsDir;

    static void fire(ui::MainWindow &window, int count)
    {
        auto *countBox = window.firePanel()->findChild<QSpinBox *>(QStringLiteral("count"));
        QVERIFY(countBox);
        countBox->setValue(count);
        auto *fireButton = window.firePanel()->findChild<QPushButton *>(QStringLiteral("fire"));
        QVERIFY(fireButton);
        QTRY_VERIFY_WITH_TIMEOUT(fireButton->isEnabled(), 5000);
        QTest::mouseClick(fireButton, Qt::LeftButton);
    }

    // The window in the sandbox, both streams watched: where every test starts.
    static void startInSandbox(ui::MainWindow &window, app::Services &services)
    {
        QSignalSpy ready(&services, &app::Services::ready);
        window.show();
        services.start({});
        QVERIFY(ready.wait(30'000));
        QTRY_COMPARE_WITH_TIMEOUT(window.redisLight()->state(), ui::HealthLight::State::Up, 10'000);
        QTRY_COMPARE_WITH_TIMEOUT(window.kafkaLight()->state(), ui::HealthLight::State::Up, 10'000);
        QTest::qWait(1500); // the check session positions its Kafka tail
    }

    // Selects the live view's one subscription and clicks Remove, as a user would.
    static void removeTheOnlyLiveSubscription(ui::MainWindow &window)
    {
        ui::LivePanel *panel = window.livePanel();
        auto *list = panel->findChild<QListWidget *>(QStringLiteral("subscriptionList"));
        QVERIFY(list && list->count() == 1);
        list->setCurrentRow(0);
        QTest::mouseClick(panel->findChild<QPushButton *>(QStringLiteral("removeSubscription")),
                          Qt::LeftButton);
    }

    static qint64 gapCount(ui::MainWindow &window, const char *kind)
    {
        return window.gapPanel()->countText(*gap::kindFromName(kind)).toLongLong();
    }

private slots:
    // Each test fires with the default run shape (the panel remembers the last one).
    void init() { QSettings().remove(QStringLiteral("fire/run")); }

    void initTestCase()
    {
        // Settings of this test stay in a temporary folder.
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
        QCoreApplication::setOrganizationName(QStringLiteral("DualscopeTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_mainwindow"));
    }

    void opensInTheSandboxAndFiredEventsShowUpEverywhere()
    {
        // given the window with no connection configured
        ui::MainWindow window;
        app::Services services(&window);
        startInSandbox(window, services);
        if (QTest::currentTestFailed())
            return;
        // then it says it is in the sandbox, in the title, the banner and the menus
        QVERIFY(window.windowTitle().startsWith(QLatin1String("Dualscope")));
        QVERIFY(window.windowTitle().contains(QLatin1String("sandbox")));
        QVERIFY(window.faultsMenu()->menuAction()->isVisible());

        // when 100 events are fired from the composer
        fire(window, 100);

        // then the live table holds 100 notifications
        ui::LiveMessageModel *live = window.livePanel()->messageModel();
        QTRY_COMPARE_WITH_TIMEOUT(live->rowCount(), 100, 20'000);
        // and the Kafka browser finds them on a page at the end of their partition
        // (the default template sends every event from one source: one partition)
        window.browserPanel()->refresh();
        QVERIFY(!live->idAt(0).isEmpty());
        qint64 found = 0;
        for (qint32 partition = 0; partition < 6 && found == 0; ++partition) {
            window.browserPanel()->showRecord("events", partition, 0);
            QTest::qWait(800);
            found = window.browserPanel()->model()->rowCount();
        }
        QCOMPARE(found, 100);
        // and the gap panel counts them matched, with no gap
        QTRY_COMPARE_WITH_TIMEOUT(gapCount(window, "matched"), 100, 15'000);
        QCOMPARE(gapCount(window, "missing"), 0);
    }

    void everyStagedDefectIsCountedExactlyOnTheGapPanel()
    {
        // given the window in the sandbox
        ui::MainWindow window;
        app::Services services(&window);
        startInSandbox(window, services);
        if (QTest::currentTestFailed())
            return;
        // when 300 events are fired with each defect staged from the Fire panel
        auto *stage = window.firePanel()->findChild<QCheckBox *>(QStringLiteral("stageDefects"));
        QVERIFY(stage);
        stage->setChecked(true);
        const std::pair<const char *, int> staged[] = {
            {"missing", 4}, {"duplicate", 3}, {"wrong_channel", 2}, {"oversized", 2},
            {"late", 2},    {"orphan", 3},    {"unparseable", 2},
        };
        for (const auto &[kind, n] : staged) {
            auto *spin = window.firePanel()->findChild<QSpinBox *>(QStringLiteral("inject_") +
                                                                   QLatin1String(kind));
            QVERIFY2(spin, kind);
            QVERIFY2(spin->isVisible(), kind);
            spin->setValue(n);
        }
        fire(window, 300);
        // then the gap panel counts exactly what was staged, and matched the rest (a
        // late or oversized notification still matches; a wrong channel does not)
        QTRY_COMPARE_WITH_TIMEOUT(gapCount(window, "matched"), 300 - 4 - 2, 20'000);
        for (const auto &[kind, n] : staged)
            QTRY_COMPARE_WITH_TIMEOUT(gapCount(window, kind), n, 10'000);
        QCOMPARE(gapCount(window, "unobserved"), 0);
        // and the Fire panel says what it staged
        auto *message = window.firePanel()->findChild<QLabel *>(QStringLiteral("runMessage"));
        QVERIFY(message);
        QVERIFY2(message->text().contains(QLatin1String("Staged: missing 4")),
                 qPrintable(message->text()));
    }

    void theLastFiredEventIsFollowedIntoBothStreams()
    {
        // given the window in the sandbox, and 20 events fired
        ui::MainWindow window;
        app::Services services(&window);
        startInSandbox(window, services);
        if (QTest::currentTestFailed())
            return;
        fire(window, 20);
        // then the Fire panel names the last acknowledged event, its partition and offset
        auto *last = window.firePanel()->findChild<QLabel *>(QStringLiteral("lastEvent"));
        QVERIFY(last);
        static const QRegularExpression shown(QStringLiteral(
            "Last acknowledged: (\\S+) — partition (\\d+), offset (\\d+), acked in"));
        QTRY_VERIFY2_WITH_TIMEOUT(shown.match(last->text()).hasMatch(), qPrintable(last->text()),
                                  15'000);
        QTRY_COMPARE_WITH_TIMEOUT(gapCount(window, "matched"), 20, 15'000);
        const QRegularExpressionMatch match = shown.match(last->text());
        const QByteArray id = match.captured(1).toUtf8();
        const qint64 offset = match.captured(3).toLongLong();
        // when "Show in Kafka" is clicked, then the browser shows that record first
        auto *showRecord =
            window.firePanel()->findChild<QPushButton *>(QStringLiteral("showLastRecord"));
        QVERIFY(showRecord && showRecord->isEnabled());
        QTest::mouseClick(showRecord, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(window.browserPanel()->model()->rowCount() > 0 &&
                                     window.browserPanel()->model()->record(0).offset == offset,
                                 10'000);
        QVERIFY(window.browserPanel()->model()->record(0).value.contains(id));
        // and when "Show notification" is clicked, the live table selects its notification
        auto *showNotification =
            window.firePanel()->findChild<QPushButton *>(QStringLiteral("showLastNotification"));
        QVERIFY(showNotification);
        QTest::mouseClick(showNotification, Qt::LeftButton);
        const QModelIndex current = window.livePanel()->messageView()->currentIndex();
        QVERIFY(current.isValid());
        const QModelIndex source = window.livePanel()->filterModel()->mapToSource(current);
        QCOMPARE(window.livePanel()->messageModel()->idAt(source.row()), id);
    }

    void fireOneTracesThatEventThroughBothStreams()
    {
        // given the window in the sandbox
        ui::MainWindow window;
        app::Services services(&window);
        startInSandbox(window, services);
        if (QTest::currentTestFailed())
            return;
        ui::EventTraceWindow *trace = window.traceWindow();
        QVERIFY(!trace->isVisible());
        const auto label = [trace](const char *name) {
            auto *found = trace->findChild<QLabel *>(QLatin1String(name));
            return found ? found->text() : QStringLiteral("(no label %1)").arg(QLatin1String(name));
        };
        // when "Fire one" is clicked
        auto *fireOne = window.firePanel()->findChild<QPushButton *>(QStringLiteral("fireOne"));
        QVERIFY(fireOne);
        QTRY_VERIFY_WITH_TIMEOUT(fireOne->isEnabled(), 5000);
        QTest::mouseClick(fireOne, Qt::LeftButton);
        // then a trace window follows it: the verdict, its record, its notification
        QVERIFY(trace->isVisible());
        QTRY_COMPARE_WITH_TIMEOUT(trace->verdictText(), QStringLiteral("matched"), 15'000);
        const QByteArray id = trace->tracedId();
        QVERIFY(!id.isEmpty());
        static const QRegularExpression place(
            QStringLiteral("^events, partition (\\d+), offset (\\d+)$"));
        const QRegularExpressionMatch where = place.match(label("traceKafkaPlace"));
        QVERIFY2(where.hasMatch(), qPrintable(label("traceKafkaPlace")));
        QCOMPARE(label("traceKafkaStatus"), QStringLiteral("acknowledged"));
        QVERIFY2(label("traceKafkaAck").endsWith(QLatin1String(" ms")),
                 qPrintable(label("traceKafkaAck")));
        QCOMPARE(label("tracePublisherRedis"), QStringLiteral("sent"));
        QCOMPARE(label("traceStaged"), QStringLiteral("none"));
        QVERIFY2(label("traceChannel").startsWith(QLatin1String("events:")),
                 qPrintable(label("traceChannel")));
        QVERIFY2(label("traceLatency").endsWith(QLatin1String(" ms")),
                 qPrintable(label("traceLatency")));
        QTRY_COMPARE_WITH_TIMEOUT(gapCount(window, "matched"), 1, 5000); // the next tick
        // and its record opens in the browser in one click
        auto *showRecord = trace->findChild<QPushButton *>(QStringLiteral("traceShowRecord"));
        QVERIFY(showRecord && showRecord->isEnabled());
        QTest::mouseClick(showRecord, Qt::LeftButton);
        const qint64 offset = where.captured(2).toLongLong();
        QTRY_VERIFY_WITH_TIMEOUT(window.browserPanel()->model()->rowCount() > 0 &&
                                     window.browserPanel()->model()->record(0).offset == offset,
                                 10'000);
        QVERIFY(window.browserPanel()->model()->record(0).value.contains(id));
        // and its notification is selected in the live table in one click
        auto *showNotification =
            trace->findChild<QPushButton *>(QStringLiteral("traceShowNotification"));
        QVERIFY(showNotification && showNotification->isEnabled());
        QTest::mouseClick(showNotification, Qt::LeftButton);
        const QModelIndex current = window.livePanel()->messageView()->currentIndex();
        QVERIFY(current.isValid());
        const QModelIndex source = window.livePanel()->filterModel()->mapToSource(current);
        QCOMPARE(window.livePanel()->messageModel()->idAt(source.row()), id);

        // when one event is fired with a missing notification staged
        auto *stage = window.firePanel()->findChild<QCheckBox *>(QStringLiteral("stageDefects"));
        QVERIFY(stage);
        stage->setChecked(true);
        window.firePanel()->findChild<QSpinBox *>(QStringLiteral("inject_missing"))->setValue(5);
        QTRY_VERIFY_WITH_TIMEOUT(fireOne->isEnabled(), 10'000);
        QTest::mouseClick(fireOne, Qt::LeftButton);
        // then the trace says what was staged, waits out the grace window and ends missing
        QTRY_VERIFY_WITH_TIMEOUT(!trace->tracedId().isEmpty() && trace->tracedId() != id, 10'000);
        QTRY_COMPARE_WITH_TIMEOUT(trace->verdictText(), QStringLiteral("missing"), 15'000);
        QTRY_COMPARE_WITH_TIMEOUT(label("traceStaged"), QStringLiteral("missing"), 5000);
        QVERIFY2(label("tracePublisherRedis").contains(QLatin1String("withheld")),
                 qPrintable(label("tracePublisherRedis")));
        QVERIFY2(label("traceDetail").contains(QLatin1String("grace window")),
                 qPrintable(label("traceDetail")));
        QCOMPARE(label("traceChannel"), QStringLiteral("—"));
        QVERIFY(!showNotification->isEnabled());
        // and one event carried one defect: exactly one missing on the gap panel
        QTRY_COMPARE_WITH_TIMEOUT(gapCount(window, "missing"), 1, 10'000);
    }

    void anyLiveRowShowsItsVerdictAndOpensItsRecordAndBack()
    {
        // given the window in the sandbox, and 30 events fired
        ui::MainWindow window;
        app::Services services(&window);
        startInSandbox(window, services);
        if (QTest::currentTestFailed())
            return;
        fire(window, 30);
        QTRY_COMPARE_WITH_TIMEOUT(gapCount(window, "matched"), 30, 15'000);
        // then every live row of them says matched, with a latency
        ui::LiveMessageModel *live = window.livePanel()->messageModel();
        const auto verdict = [live](int row) {
            return live->index(row, ui::LiveMessageModel::MatchColumn).data().toString();
        };
        QTRY_COMPARE_WITH_TIMEOUT(live->rowCount(), 30, 10'000);
        QTRY_VERIFY_WITH_TIMEOUT(verdict(live->rowCount() - 1) == QLatin1String("matched"), 10'000);
        for (int row = 0; row < live->rowCount(); ++row) {
            QCOMPARE(verdict(row), QStringLiteral("matched"));
            QVERIFY(live->index(row, ui::LiveMessageModel::LatencyColumn).data().toLongLong() >= 0);
        }
        // when a row in the middle is opened in Kafka
        const int row = 13;
        const QByteArray id = live->idAt(row);
        const auto [partition, offset] = live->recordAt(row);
        QVERIFY(partition >= 0 && offset >= 0);
        QVERIFY(window.livePanel()->selectNotification(id));
        auto *show = window.livePanel()->findChild<QAction *>(QStringLiteral("showInKafka"));
        QVERIFY(show && show->isEnabled());
        show->trigger();
        // then the browser shows that record, its id in the Id column
        ui::RecordPageModel *page = window.browserPanel()->model();
        QTRY_VERIFY_WITH_TIMEOUT(page->rowCount() > 0 && page->record(0).offset == offset &&
                                     page->record(0).partition == partition,
                                 10'000);
        QCOMPARE(page->idOf(0), id);
        // and from the record, "Show notification" selects the same live row
        window.livePanel()->messageView()->clearSelection();
        auto *back =
            window.browserPanel()->findChild<QPushButton *>(QStringLiteral("showNotification"));
        QTRY_VERIFY_WITH_TIMEOUT(back->isEnabled(), 5000);
        QTest::mouseClick(back, Qt::LeftButton);
        const QModelIndex current = window.livePanel()->messageView()->currentIndex();
        QCOMPARE(live->idAt(window.livePanel()->filterModel()->mapToSource(current).row()), id);
    }

    void oneSubscriptionFeedsTheLiveViewAndTheChecker()
    {
        // given the window in the sandbox
        ui::MainWindow window;
        app::Services services(&window);
        startInSandbox(window, services);
        if (QTest::currentTestFailed())
            return;
        // then Redis sees one pattern subscriber for the live view and the checker
        const auto patternSubscribers = [&services] {
            QProcess cli;
            cli.start(QStringLiteral("redis-cli"),
                      {QStringLiteral("-u"), services.settings().redisUrl, QStringLiteral("CLIENT"),
                       QStringLiteral("LIST")});
            if (!cli.waitForFinished(10'000))
                return -1;
            int count = 0;
            for (const QByteArray &line : cli.readAllStandardOutput().split('\n'))
                if (line.contains(" psub=") && !line.contains(" psub=0 "))
                    ++count;
            return count;
        };
        QCOMPARE(patternSubscribers(), 1);
        // when the live view drops its pattern and events are fired
        removeTheOnlyLiveSubscription(window);
        if (QTest::currentTestFailed())
            return;
        QVERIFY(window.livePanel()->subscriptions().isEmpty());
        const int rowsBefore = window.livePanel()->messageModel()->rowCount();
        fire(window, 25);
        // then the checker still judges every event, on the same subscription
        QTRY_COMPARE_WITH_TIMEOUT(gapCount(window, "matched"), 25, 15'000);
        QCOMPARE(patternSubscribers(), 1);
        // and the live view took none of them: it no longer asked for the pattern.
        // (The monitor's batches reached this thread's queue before the checker's
        // counts that said matched, so they have been handed to the panel by now.)
        QCOMPARE(window.livePanel()->pendingCount(), 0);
        QCOMPARE(window.livePanel()->messageModel()->rowCount(), rowsBefore);
        QSettings().remove(QStringLiteral("live"));
    }

    void aSubscriptionMadeMidStreamShowsRecentEventsFromKafkaOnce()
    {
        // given the window in the sandbox, 10 events fired and shown live
        ui::MainWindow window;
        app::Services services(&window);
        startInSandbox(window, services);
        if (QTest::currentTestFailed())
            return;
        ui::LivePanel *panel = window.livePanel();
        ui::LiveMessageModel *live = panel->messageModel();
        fire(window, 10);
        QTRY_COMPARE_WITH_TIMEOUT(gapCount(window, "matched"), 10, 15'000);
        QTRY_COMPARE_WITH_TIMEOUT(live->rowCount(), 10, 5000);
        // and 20 more fired while the live view was not subscribed
        removeTheOnlyLiveSubscription(window);
        if (QTest::currentTestFailed())
            return;
        fire(window, 20);
        QTRY_COMPARE_WITH_TIMEOUT(gapCount(window, "matched"), 30, 15'000);
        QCOMPARE(live->rowCount(), 10);

        // when the live view subscribes again, mid-stream
        auto *name = panel->findChild<QLineEdit *>(QStringLiteral("newSubscription"));
        QVERIFY(name);
        name->setText(QStringLiteral("events:*"));
        QTest::mouseClick(panel->findChild<QPushButton *>(QStringLiteral("addSubscription")),
                          Qt::LeftButton);

        // then the 20 it missed are loaded from Kafka and marked so; the 10 it showed
        // live are not shown twice
        auto *status = panel->findChild<ui::ElidedLabel *>(QStringLiteral("liveStatus"));
        QVERIFY(status);
        QTRY_VERIFY2_WITH_TIMEOUT(status->fullText().contains(QLatin1String(
                                      "20 recent from Kafka (of the topic's last 200: 30 on these "
                                      "channels, 10 already shown)")),
                                  qPrintable(status->fullText()), 15'000);
        QCOMPARE(live->rowCount(), 30);
        const auto fromKafka = [live](int row) {
            return live->data(live->index(row, 0), ui::LiveMessageModel::FromKafkaRole).toBool();
        };
        QSet<QByteArray> ids;
        for (int row = 0; row < 30; ++row) {
            ids.insert(live->idAt(row));
            QCOMPARE(fromKafka(row), row >= 10);
            // and each loaded row knows its record
            if (row >= 10)
                QVERIFY(live->recordAt(row).first >= 0);
        }
        QCOMPARE(ids.size(), 30);
        // and the checker's verdict on a loaded row is never a gap: it was matched
        // (or is no longer remembered, and the row keeps its marker)
        // (the statuses are asked for after the load; none comes when the checker
        // forgot every one)
        QSignalSpy verdictsShown(live, &QAbstractItemModel::dataChanged);
        if (live->data(live->index(10, ui::LiveMessageModel::MatchColumn)).toString() ==
            QLatin1String("from Kafka"))
            verdictsShown.wait(3000);
        int verdicts = 0;
        for (int row = 10; row < 30; ++row) {
            const QString match =
                live->data(live->index(row, ui::LiveMessageModel::MatchColumn)).toString();
            QVERIFY2(match == QLatin1String("matched") || match == QLatin1String("from Kafka"),
                     qPrintable(match));
            verdicts += match == QLatin1String("matched");
        }
        qInfo("%d of the 20 loaded rows show the checker's verdict", verdicts);

        // and when 5 more are fired, they come live, after the loaded ones, each once
        fire(window, 5);
        QTRY_COMPARE_WITH_TIMEOUT(gapCount(window, "matched"), 35, 15'000);
        QTRY_COMPARE_WITH_TIMEOUT(live->rowCount(), 35, 5000);
        for (int row = 30; row < 35; ++row) {
            QVERIFY(!fromKafka(row));
            ids.insert(live->idAt(row));
        }
        QCOMPARE(ids.size(), 35);
        QCOMPARE(live->liveCopiesDropped(), 0);
        QSettings().remove(QStringLiteral("live"));
    }

    void theServicesStopOffTheGuiThreadWhileARunFires()
    {
        // given the window in the sandbox, firing a long run at 200 events/s
        ui::MainWindow window;
        app::Services services(&window);
        startInSandbox(window, services);
        if (QTest::currentTestFailed())
            return;
        auto *rate = window.firePanel()->findChild<QDoubleSpinBox *>(QStringLiteral("rate"));
        QVERIFY(rate);
        rate->setValue(200);
        fire(window, 100'000);
        QTRY_VERIFY_WITH_TIMEOUT(gapCount(window, "matched") >= 50, 15'000);
        const QString redisUrl = services.settings().redisUrl;

        // when the services are shut down (as closing the window does)
        QSignalSpy stopped(&services, &app::Services::stopped);
        bool guiRanWhileStopping = false;
        QTimer::singleShot(0, &window, [&] { guiRanWhileStopping = stopped.isEmpty(); });
        services.shutdown();

        // then the call returns before they have stopped, the GUI thread goes on
        // meanwhile, and they stop within the deadline, every one of them
        QVERIFY(stopped.isEmpty());
        QVERIFY(!services.isStopped());
        QVERIFY(stopped.wait(app::Services::kShutdownDeadlineMs + 5000));
        QVERIFY(guiRanWhileStopping);
        QCOMPARE(stopped.first().first().toStringList(), QStringList());
        QVERIFY(services.isStopped());
        // and the fire panel no longer says it is running
        auto *fireButton = window.firePanel()->findChild<QPushButton *>(QStringLiteral("fire"));
        QVERIFY(fireButton && fireButton->isEnabled());
        // and the sandbox's redis-server is gone
        QProcess cli;
        cli.start(QStringLiteral("redis-cli"),
                  {QStringLiteral("-u"), redisUrl, QStringLiteral("PING")});
        QVERIFY(cli.waitForFinished(10'000));
        QVERIFY2(!cli.readAllStandardOutput().contains("PONG"), "redis-server still answers");
        // and a second shutdown does nothing
        services.shutdown();
        QCOMPARE(stopped.size(), 1);
    }

    void cuttingOnlyThePublishersLinkMakesRealMissing()
    {
        // given the window in the sandbox, firing 600 events over 6 s
        ui::MainWindow window;
        app::Services services(&window);
        startInSandbox(window, services);
        if (QTest::currentTestFailed())
            return;
        auto *rate = window.firePanel()->findChild<QDoubleSpinBox *>(QStringLiteral("rate"));
        QVERIFY(rate);
        rate->setValue(100);
        QSignalSpy fired(&services, &app::Services::fireFinished);
        fire(window, 600);
        QTRY_VERIFY_WITH_TIMEOUT(gapCount(window, "matched") >= 100, 10'000);
        // when only the publisher's Redis link is cut for 3 s from the Faults menu
        auto *cut = window.findChild<QAction *>(QStringLiteral("faultPublisherCut3"));
        QVERIFY(cut);
        cut->trigger();
        QVERIFY(fired.wait(30'000));
        const publish::RunSummary summary = fired.takeFirst().at(0).value<publish::RunSummary>();
        // then every event is judged, and what the publisher could not send is missing:
        // the checker never lost its own subscription
        QTRY_COMPARE_WITH_TIMEOUT(gapCount(window, "matched") + gapCount(window, "missing"), 600,
                                  15'000);
        QCOMPARE(gapCount(window, "unobserved"), 0);
        QCOMPARE(summary.stats.kafkaAcked, 600);
        QVERIFY2(summary.stats.redisSkipped > 0, "the cut skipped nothing");
        // (a notification in flight at the cut may or may not have reached Redis)
        QVERIFY(gapCount(window, "missing") >= summary.stats.redisSkipped);
        QVERIFY(gapCount(window, "missing") <=
                summary.stats.redisSkipped + summary.stats.redisFailed);
        QCOMPARE(gapCount(window, "orphan"), 0);
    }

    void redisDownFromTheFaultsMenuShowsInTheGapPanel()
    {
        ui::MainWindow window;
        app::Services services(&window);
        startInSandbox(window, services);
        if (QTest::currentTestFailed())
            return;
        // when Redis is taken down from the Faults menu
        auto *redisDown = window.findChild<QAction *>(QStringLiteral("faultRedisDown"));
        QVERIFY(redisDown);
        redisDown->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(window.redisLight()->state(), ui::HealthLight::State::Down,
                                  10'000);
        // and 50 events are fired
        fire(window, 50);
        // then Kafka took them all and the gap panel counts them, as the contract
        // says: unobserved, since our own subscription was down too
        QTRY_COMPARE_WITH_TIMEOUT(gapCount(window, "unobserved") + gapCount(window, "missing"), 50,
                                  20'000);
        ui::LiveMessageModel *live = window.livePanel()->messageModel();
        QCOMPARE(live->rowCount(), 0);

        // when Redis is back up
        redisDown->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(window.redisLight()->state(), ui::HealthLight::State::Up, 15'000);

        // then the live view fills the hole the outage left from Kafka: the 50 events,
        // each once, marked as from Kafka, and the status says how it came about
        auto *status =
            window.livePanel()->findChild<ui::ElidedLabel *>(QStringLiteral("liveStatus"));
        QVERIFY(status);
        QTRY_VERIFY2_WITH_TIMEOUT(
            status->fullText().contains(QLatin1String(
                "events of the outage from Kafka (50 on these channels, 0 already shown)")),
            qPrintable(status->fullText()), 15'000);
        QVERIFY2(status->fullText().contains(QLatin1String("Redis was down for ")),
                 qPrintable(status->fullText()));
        QVERIFY2(status->fullText().contains(QLatin1String(": 50 events of the outage")),
                 qPrintable(status->fullText()));
        qInfo("live view after the outage: %s", qPrintable(status->fullText()));
        QCOMPARE(live->rowCount(), 50);
        QSet<QByteArray> ids;
        for (int row = 0; row < 50; ++row) {
            QVERIFY(live->data(live->index(row, 0), ui::LiveMessageModel::FromKafkaRole).toBool());
            ids.insert(live->idAt(row));
        }
        QCOMPARE(ids.size(), 50);
    }

    // Not a check: the screenshots in docs/, taken from the real window when
    // DUALSCOPE_SCREENSHOT_DIR is set (under xvfb-run with the xcb platform, with
    // ImageMagick's import; QWidget::grab() where there is no display).
    void screenshotsForTheDocs()
    {
        const QString dir = qEnvironmentVariable("DUALSCOPE_SCREENSHOT_DIR");
        if (dir.isEmpty())
            QSKIP("set DUALSCOPE_SCREENSHOT_DIR to take the screenshots of docs/");
        auto snapshot = [&](QWidget *widget, const QString &name) {
            const QString path = dir + QLatin1Char('/') + name;
            if (!qEnvironmentVariableIsEmpty("DISPLAY") &&
                QProcess::execute(QStringLiteral("import"),
                                  {QStringLiteral("-window"), QStringLiteral("root"), path}) == 0)
                return;
            widget->grab().save(path);
        };
        ui::MainWindow window;
        app::Services services(&window);
        window.showMaximized();
        startInSandbox(window, services);
        if (QTest::currentTestFailed())
            return;
        // traffic, then a burst with defects staged from the Fire panel: gaps flagged
        auto *sources = window.firePanel()->findChild<QSpinBox *>(QStringLiteral("sources"));
        if (sources)
            sources->setValue(8);
        fire(window, 400);
        QTRY_COMPARE_WITH_TIMEOUT(gapCount(window, "matched"), 400, 20'000);
        auto *stage = window.firePanel()->findChild<QCheckBox *>(QStringLiteral("stageDefects"));
        QVERIFY(stage);
        stage->setChecked(true);
        for (const auto &[kind, n] : {std::pair<const char *, int>{"missing", 5},
                                      {"duplicate", 3},
                                      {"wrong_channel", 2},
                                      {"orphan", 2}}) {
            auto *spin = window.firePanel()->findChild<QSpinBox *>(QStringLiteral("inject_") +
                                                                   QLatin1String(kind));
            QVERIFY(spin);
            spin->setValue(n);
        }
        fire(window, 200);
        QTRY_COMPARE_WITH_TIMEOUT(gapCount(window, "missing"), 5, 20'000);
        QTest::qWait(1000);
        snapshot(&window, QStringLiteral("main-window.png"));
        stage->setChecked(false);
        // the Kafka browser on a page, a record selected
        for (qint32 partition = 0; partition < 6; ++partition) {
            window.browserPanel()->showRecord("events", partition, 3);
            QTest::qWait(1000);
            if (window.browserPanel()->model()->rowCount() > 0)
                break;
        }
        QTest::qWait(500);
        snapshot(&window, QStringLiteral("kafka-browser.png"));
        // the Fire panel mid-run
        auto *rate = window.firePanel()->findChild<QDoubleSpinBox *>(QStringLiteral("rate"));
        if (rate)
            rate->setValue(400);
        fire(window, 5000);
        QTest::qWait(4000);
        snapshot(&window, QStringLiteral("fire-panel.png"));
        auto *stop = window.firePanel()->findChild<QPushButton *>(QStringLiteral("stop"));
        if (stop)
            QTest::mouseClick(stop, Qt::LeftButton);
        QTest::qWait(1000);
        // "Fire one" and its trace, the window on its own
        auto *fireOne = window.firePanel()->findChild<QPushButton *>(QStringLiteral("fireOne"));
        QVERIFY(fireOne);
        QTRY_VERIFY_WITH_TIMEOUT(fireOne->isEnabled(), 10'000);
        QTest::mouseClick(fireOne, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(window.traceWindow()->verdictText(), QStringLiteral("matched"),
                                  15'000);
        window.traceWindow()->grab().save(dir + QStringLiteral("/event-trace.png"));
    }

    void replayMissingResendsTheirNotifications()
    {
        ui::MainWindow window;
        app::Services services(&window);
        startInSandbox(window, services);
        if (QTest::currentTestFailed())
            return;
        // given 5 events in Kafka whose notifications never went out
        testing::RawProducer kafka(services.settings().kafkaBootstrap);
        for (int i = 0; i < 5; ++i) {
            // (no raw string literals in a QObject class body: moc 6.4 loses the class)
            QVERIFY(kafka.produce("u1", "{\"id\":\"lost-" + QByteArray::number(i) +
                                            "\",\"type\":\"t\",\"source_type\":\"user\","
                                            "\"source_id\":\"u1\",\"timestamp\":"
                                            "\"2026-11-27T15:04:05.123Z\",\"payload\":{}}"));
        }
        QVERIFY(kafka.flush());
        // when the gap panel has judged them missing and "Replay missing" is clicked
        QTRY_COMPARE_WITH_TIMEOUT(gapCount(window, "missing"), 5, 20'000);
        auto *replay = window.gapPanel()->findChild<QPushButton *>(QStringLiteral("replayMissing"));
        QVERIFY(replay);
        QTRY_VERIFY_WITH_TIMEOUT(replay->isEnabled(), 5000);
        QTest::mouseClick(replay, Qt::LeftButton);
        // then their notifications arrive on the live view
        ui::LiveMessageModel *live = window.livePanel()->messageModel();
        QTRY_VERIFY_WITH_TIMEOUT(live->rowOfId("lost-4") >= 0, 20'000);
        for (int i = 0; i < 5; ++i)
            QVERIFY(live->rowOfId("lost-" + QByteArray::number(i)) >= 0);
    }

    void layoutIsRemembered()
    {
        {
            ui::MainWindow window;
            window.resize(1811, 1077);
            window.show();
            window.close();
        }
        ui::MainWindow again;
        QCOMPARE(again.size(), QSize(1811, 1077));
    }

    void columnsSplittersFilterAndSubscriptionsAreRememberedOnASecondStart()
    {
        const QByteArray channel =
            "audit:" + QByteArray::number(QDateTime::currentMSecsSinceEpoch());
        QList<int> streams;
        {
            // given a first start where the user arranges the window
            ui::MainWindow window;
            app::Services services(&window);
            startInSandbox(window, services);
            auto *kind = window.gapPanel()->findChild<QComboBox *>(QStringLiteral("kindFilter"));
            QVERIFY(kind);
            kind->setCurrentIndex(kind->findData(int(gap::GapKind::Missing)));
            auto *table =
                window.livePanel()->findChild<QTableView *>(QStringLiteral("messageTable"));
            QVERIFY(table);
            table->horizontalHeader()->resizeSection(0, 77);
            auto *split = window.findChild<QSplitter *>(QStringLiteral("streamsSplitter"));
            QVERIFY(split);
            const QList<int> sizes = split->sizes();
            split->setSizes({sizes[0] - 60, sizes[1] + 60});
            streams = split->sizes();
            window.livePanel()
                ->findChild<QLineEdit *>(QStringLiteral("newSubscription"))
                ->setText(QString::fromUtf8(channel));
            auto *subscriptionKind =
                window.livePanel()->findChild<QComboBox *>(QStringLiteral("subscriptionKind"));
            subscriptionKind->setCurrentIndex(subscriptionKind->findData(false));
            QTest::mouseClick(
                window.livePanel()->findChild<QPushButton *>(QStringLiteral("addSubscription")),
                Qt::LeftButton);
            QVERIFY(window.livePanel()->subscriptions().contains(std::pair{channel, false}));
            window.close();
        }
        // when it starts again
        ui::MainWindow window;
        app::Services services(&window);
        startInSandbox(window, services);
        // then all of it is as it was left
        auto *kind = window.gapPanel()->findChild<QComboBox *>(QStringLiteral("kindFilter"));
        QCOMPARE(kind->currentData().toInt(), int(gap::GapKind::Missing));
        auto *table = window.livePanel()->findChild<QTableView *>(QStringLiteral("messageTable"));
        QCOMPARE(table->horizontalHeader()->sectionSize(0), 77);
        QCOMPARE(window.findChild<QSplitter *>(QStringLiteral("streamsSplitter"))->sizes(),
                 streams);
        const auto subscriptions = window.livePanel()->subscriptions();
        QVERIFY(subscriptions.contains(std::pair{channel, false}));
        QVERIFY(subscriptions.contains(std::pair{QByteArray("events:*"), true}));
        // and the remembered channel is really subscribed: a message on it arrives
        QProcess cli;
        const QString url = services.settings().redisUrl;
        cli.start(QStringLiteral("redis-cli"),
                  {QStringLiteral("-u"), url, QStringLiteral("PUBLISH"), QString::fromUtf8(channel),
                   QStringLiteral("{\"id\":\"remembered\"}")});
        QVERIFY(cli.waitForFinished(10'000));
        QTRY_VERIFY_WITH_TIMEOUT(window.livePanel()->messageModel()->rowOfId("remembered") >= 0,
                                 10'000);
        QSettings().remove(QStringLiteral("live"));
        QSettings().remove(QStringLiteral("window"));
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
