// SPDX-License-Identifier: MIT
// The whole window against the sandbox, driven through its real widgets: what a
// user does first.
#include "browser/browserpanel.h"
#include "browser/recordpagemodel.h"
#include "compose/firepanel.h"
#include "gaps/gappanel.h"
#include "live/livemessagemodel.h"
#include "live/livepanel.h"
#include "main/healthlight.h"
#include "main/mainwindow.h"
#include "services.h"

#include <QAction>
#include <QMenu>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

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

    static qint64 gapCount(ui::MainWindow &window, const char *kind)
    {
        return window.gapPanel()->countText(*gap::kindFromName(kind)).toLongLong();
    }

private slots:
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
        QSignalSpy ready(&services, &app::Services::ready);
        window.show();
        services.start({});
        QVERIFY(ready.wait(30'000));
        // then it says it is in the sandbox, in the title, the banner and the menus
        QVERIFY(window.windowTitle().startsWith(QLatin1String("Dualscope")));
        QVERIFY(window.windowTitle().contains(QLatin1String("sandbox")));
        QVERIFY(window.faultsMenu()->menuAction()->isVisible());
        QTRY_COMPARE_WITH_TIMEOUT(window.redisLight()->state(), ui::HealthLight::State::Up, 10'000);
        QTRY_COMPARE_WITH_TIMEOUT(window.kafkaLight()->state(), ui::HealthLight::State::Up, 10'000);
        QTest::qWait(1500); // the check session positions its Kafka tail

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

    void redisDownFromTheFaultsMenuShowsInTheGapPanel()
    {
        ui::MainWindow window;
        app::Services services(&window);
        QSignalSpy ready(&services, &app::Services::ready);
        window.show();
        services.start({});
        QVERIFY(ready.wait(30'000));
        QTRY_COMPARE_WITH_TIMEOUT(window.redisLight()->state(), ui::HealthLight::State::Up, 10'000);
        QTest::qWait(1500);
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
        redisDown->trigger(); // and back up
        QTRY_COMPARE_WITH_TIMEOUT(window.redisLight()->state(), ui::HealthLight::State::Up, 15'000);
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
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
