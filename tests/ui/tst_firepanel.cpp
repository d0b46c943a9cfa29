// SPDX-License-Identifier: MIT
#include "compose/firepanel.h"
#include "generate/eventtemplate.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBlock>
#include <QToolButton>

using namespace dualscope;

namespace {

template <typename T> T *child(const QWidget &panel, const char *name)
{
    T *widget = panel.findChild<T *>(QLatin1String(name));
    if (!widget)
        qFatal("no child %s", name);
    return widget;
}

QString statusText(const ui::FirePanel &panel)
{
    return child<QLabel>(panel, "templateStatus")->text();
}

} // namespace

class TestFirePanel final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_settingsDir;

private slots:
    void initTestCase()
    {
        // Saved templates go to a throw-away settings file, never the user's.
        QVERIFY(m_settingsDir.isValid());
        QCoreApplication::setOrganizationName(QStringLiteral("dualscope-tests"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_firepanel"));
        QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_settingsDir.path());
        QSettings().clear();
    }

    void cleanupTestCase() { QSettings().clear(); }
    // Each test starts from the default run shape.
    void init() { QSettings().remove(QStringLiteral("fire/run")); }

    void theRunShapeIsRestoredAtTheNextStart()
    {
        // given a panel whose run shape was changed, then fired
        {
            ui::FirePanel panel;
            child<QSpinBox>(panel, "count")->setValue(2500);
            child<QDoubleSpinBox>(panel, "rate")->setValue(750);
            child<QSpinBox>(panel, "sources")->setValue(12);
            child<QComboBox>(panel, "ordering")->setCurrentIndex(1);
            child<QCheckBox>(panel, "stageDefects")->setChecked(true);
            child<QSpinBox>(panel, "inject_missing")->setValue(3);
            QSignalSpy fired(&panel, &ui::FirePanel::fireRequested);
            QTest::mouseClick(child<QPushButton>(panel, "fire"), Qt::LeftButton);
            QCOMPARE(fired.size(), 1);
        }
        // when the panel is made again (the next start)
        ui::FirePanel again;
        // then it has the same run shape, and no staged defect
        QCOMPARE(child<QSpinBox>(again, "count")->value(), 2500);
        QCOMPARE(child<QDoubleSpinBox>(again, "rate")->value(), 750.0);
        QCOMPARE(child<QSpinBox>(again, "sources")->value(), 12);
        QCOMPARE(child<QComboBox>(again, "ordering")->currentIndex(), 1);
        QVERIFY(!child<QCheckBox>(again, "stageDefects")->isChecked());
        QCOMPARE(child<QSpinBox>(again, "inject_missing")->value(), 0);
    }

    void defaultTemplateIsValidAndFireIsEnabled()
    {
        // given a new panel
        ui::FirePanel panel;
        // then it holds the default template, valid, and Fire is enabled
        QCOMPARE(panel.templateText(), generate::EventTemplate::defaultTemplateText());
        QVERIFY(panel.isTemplateValid());
        QVERIFY(child<QPushButton>(panel, "fire")->isEnabled());
        QVERIFY(!child<QPushButton>(panel, "stop")->isEnabled());
        QVERIFY(child<QPlainTextEdit>(panel, "templateEditor")->extraSelections().isEmpty());
    }

    void typingInvalidJsonDisablesFireAndShowsThePosition()
    {
        ui::FirePanel panel;
        auto *editor = child<QPlainTextEdit>(panel, "templateEditor");
        auto *fire = child<QPushButton>(panel, "fire");
        // when a comma goes missing on line 3 (typed: the validation is debounced)
        editor->clear();
        QTest::keyClicks(editor, QStringLiteral("{\"type\": \"a\","));
        QTest::keyClick(editor, Qt::Key_Return);
        QTest::keyClicks(editor, QStringLiteral("\"source_id\": \"s\""));
        QTest::keyClick(editor, Qt::Key_Return);
        QTest::keyClicks(editor, QStringLiteral("\"source_type\": \"t\"}"));
        QVERIFY(fire->isEnabled()); // not yet: the verdict waits for a pause in typing
        // then Fire is disabled and the status names line and column
        QTRY_VERIFY(!fire->isEnabled());
        QVERIFY(!panel.isTemplateValid());
        generate::TemplateError expected;
        QVERIFY(!generate::EventTemplate::compile(panel.templateText(), &expected));
        QCOMPARE(expected.line, 3);
        QCOMPARE(statusText(panel), expected.toString());
        QVERIFY2(statusText(panel).startsWith(
                     QStringLiteral("line 3, column %1: ").arg(expected.column)),
                 qPrintable(statusText(panel)));
        // and that line is highlighted
        const QList<QTextEdit::ExtraSelection> selections = editor->extraSelections();
        QCOMPARE(selections.size(), 1);
        QCOMPARE(selections.first().cursor.blockNumber(), 2);
        // when it is fixed
        editor->setPlainText(QStringLiteral("{\"type\": \"a\"}"));
        QTRY_VERIFY(fire->isEnabled());
        QVERIFY(editor->extraSelections().isEmpty());
    }

    void unknownPlaceholderShowsItsPosition()
    {
        ui::FirePanel panel;
        auto *editor = child<QPlainTextEdit>(panel, "templateEditor");
        // when a template uses a placeholder that does not exist, on line 2
        editor->setPlainText(QStringLiteral("{\n  \"type\": \"order {{foo}}\"\n}"));
        // then its position is shown
        QTRY_VERIFY(!child<QPushButton>(panel, "fire")->isEnabled());
        QVERIFY2(statusText(panel).startsWith(QLatin1String("line 2, column ")),
                 qPrintable(statusText(panel)));
        QVERIFY2(statusText(panel).contains(QLatin1String("{{foo}}")),
                 qPrintable(statusText(panel)));
        QCOMPARE(editor->extraSelections().size(), 1);
        QCOMPARE(editor->extraSelections().first().cursor.blockNumber(), 1);
    }

    void placeholderMenuInsertsAtTheCursor()
    {
        ui::FirePanel panel;
        auto *editor = child<QPlainTextEdit>(panel, "templateEditor");
        editor->setPlainText(QStringLiteral("{\"type\": \"\"}"));
        QTextCursor cursor = editor->textCursor();
        cursor.setPosition(10); // between the quotes of "type"
        editor->setTextCursor(cursor);
        QMenu *menu = child<QToolButton>(panel, "placeholders")->menu();
        QVERIFY(menu);
        QStringList offered;
        QAction *uuid = nullptr;
        for (QAction *action : menu->actions()) {
            offered.append(action->text());
            if (action->text() == QLatin1String("{{uuid}}"))
                uuid = action;
        }
        for (const char *p : {"{{seq}}", "{{uuid}}", "{{now}}", "{{now_ms}}", "{{source}}"})
            QVERIFY2(offered.contains(QLatin1String(p)), p);
        QVERIFY(uuid);
        uuid->trigger();
        QCOMPARE(editor->toPlainText(), QStringLiteral("{\"type\": \"{{uuid}}\"}"));
        QTRY_VERIFY(panel.isTemplateValid());
    }

    void ctrlReturnFiresWithTheRunAndTheOverrides()
    {
        ui::FirePanel panel;
        panel.show();
        QVERIFY(QTest::qWaitForWindowActive(&panel));
        child<QSpinBox>(panel, "count")->setValue(250);
        child<QDoubleSpinBox>(panel, "rate")->setValue(12.5);
        child<QSpinBox>(panel, "burst")->setValue(5);
        child<QSpinBox>(panel, "sources")->setValue(4);
        auto *ordering = child<QComboBox>(panel, "ordering");
        ordering->setCurrentIndex(ordering->findText(QStringLiteral("parallel")));
        child<QLineEdit>(panel, "typeOverride")->setText(QStringLiteral("custom.type"));
        child<QLineEdit>(panel, "sourceIdOverride")->setText(QStringLiteral("svc"));
        QSignalSpy fired(&panel, &ui::FirePanel::fireRequested);
        // when Ctrl+Return is pressed in the editor (right after the edits: no wait)
        auto *editor = child<QPlainTextEdit>(panel, "templateEditor");
        editor->setFocus();
        QTest::keyClick(editor, Qt::Key_Return, Qt::ControlModifier);
        // then one request carries what the form says
        QCOMPARE(fired.count(), 1);
        const auto request = fired.at(0).at(0).value<ui::FireRequest>();
        QCOMPARE(request.run.count, 250);
        QCOMPARE(request.run.rate, 12.5);
        QCOMPARE(request.run.burst, 5.0);
        QCOMPARE(request.sources, 4);
        QCOMPARE(request.ordering, publish::Ordering::Parallel);
        const QJsonObject object = QJsonDocument::fromJson(request.templateText).object();
        QCOMPARE(object.value(QLatin1String("type")).toString(), QStringLiteral("custom.type"));
        QCOMPARE(object.value(QLatin1String("source_id")).toString(), QStringLiteral("svc"));
        QCOMPARE(object.value(QLatin1String("source_type")).toString(), QStringLiteral("user"));
        QVERIFY(generate::EventTemplate::compile(request.templateText));
        // and the editor's text itself is untouched
        QCOMPARE(panel.templateText(), generate::EventTemplate::defaultTemplateText());
        // and an override the template rejects disables Fire
        child<QLineEdit>(panel, "sourceIdOverride")->setText(QStringLiteral("{{source}}"));
        QTRY_VERIFY(!child<QPushButton>(panel, "fire")->isEnabled());
        QVERIFY2(statusText(panel).startsWith(QLatin1String("With the overrides")),
                 qPrintable(statusText(panel)));
        QTest::keyClick(editor, Qt::Key_Return, Qt::ControlModifier);
        QCOMPARE(fired.count(), 1);
    }

    void stopEmitsStopRequestedWhileRunning()
    {
        ui::FirePanel panel;
        panel.show();
        QVERIFY(QTest::qWaitForWindowActive(&panel));
        QSignalSpy fired(&panel, &ui::FirePanel::fireRequested);
        QSignalSpy stopped(&panel, &ui::FirePanel::stopRequested);
        // given a running run
        panel.setRunning(true);
        auto *fire = child<QPushButton>(panel, "fire");
        auto *stop = child<QPushButton>(panel, "stop");
        QVERIFY(!fire->isEnabled());
        QVERIFY(stop->isEnabled());
        // when Ctrl+Return is pressed, nothing is fired twice
        QTest::keyClick(child<QPlainTextEdit>(panel, "templateEditor"), Qt::Key_Return,
                        Qt::ControlModifier);
        QCOMPARE(fired.count(), 0);
        // when Stop is clicked
        QTest::mouseClick(stop, Qt::LeftButton);
        QCOMPARE(stopped.count(), 1);
        panel.setRunning(false);
        QVERIFY(fire->isEnabled());
        QVERIFY(!stop->isEnabled());
    }

    void progressAndFinishedUpdateTheCounters()
    {
        ui::FirePanel panel;
        panel.setRunning(true);
        // when progress arrives
        publish::PublisherStats stats;
        stats.requested = 50;
        stats.kafkaAcked = 40;
        stats.kafkaFailed = 2;
        stats.redisSent = 38;
        stats.redisSkipped = 1;
        stats.redisFailed = 3;
        stats.inFlight = 8;
        panel.setProgress(stats, 50, 100);
        // then every outcome has its counter and the bar shows the completed share
        QCOMPARE(child<QLabel>(panel, "kafkaAcked")->text(), QStringLiteral("40"));
        QCOMPARE(child<QLabel>(panel, "kafkaFailed")->text(), QStringLiteral("2"));
        QCOMPARE(child<QLabel>(panel, "redisSent")->text(), QStringLiteral("38"));
        QCOMPARE(child<QLabel>(panel, "redisSkipped")->text(), QStringLiteral("1"));
        QCOMPARE(child<QLabel>(panel, "redisFailed")->text(), QStringLiteral("3"));
        auto *progress = child<QProgressBar>(panel, "progress");
        QCOMPARE(progress->value(), 420); // 42 of 100, in permille
        // when the run finishes
        publish::RunSummary summary;
        summary.stats = stats;
        summary.stats.kafkaAcked = 98;
        summary.stats.kafkaFailed = 2;
        summary.stats.redisSent = 96;
        summary.stats.inFlight = 0;
        summary.generated = 100;
        summary.elapsedSeconds = 2.0;
        panel.setFinished(summary);
        // then the final counts, the average rate, a full bar, and it is not running
        QCOMPARE(child<QLabel>(panel, "kafkaAcked")->text(), QStringLiteral("98"));
        QCOMPARE(child<QLabel>(panel, "redisSent")->text(), QStringLiteral("96"));
        QCOMPARE(child<QLabel>(panel, "eventsPerSecond")->text(), QLocale().toString(50.0, 'f', 1));
        QCOMPARE(progress->value(), 1000);
        QVERIFY(child<QPushButton>(panel, "fire")->isEnabled());
        QVERIFY(!child<QPushButton>(panel, "stop")->isEnabled());
        QVERIFY(child<QLabel>(panel, "runMessage")->text().contains(QLatin1String("100")));
        // and an error goes to the run's message line
        panel.setError(QStringLiteral("Kafka is unreachable"));
        QCOMPARE(child<QLabel>(panel, "runMessage")->text(),
                 QStringLiteral("Kafka is unreachable"));
    }

    void savedTemplatesRoundTripThroughSettings()
    {
        const QString text = QStringLiteral("{\n  \"type\": \"saved.one\"\n}\n");
        {
            // given a template saved under a name
            ui::FirePanel panel;
            child<QPlainTextEdit>(panel, "templateEditor")->setPlainText(text);
            child<QComboBox>(panel, "savedTemplates")->setEditText(QStringLiteral("mine"));
            QTest::mouseClick(child<QPushButton>(panel, "saveTemplate"), Qt::LeftButton);
            QCOMPARE(QSettings().value(QStringLiteral("templates/mine")).toString(), text);
        }
        // when a new panel opens it
        ui::FirePanel panel;
        QCOMPARE(panel.savedTemplateNames(), QStringList{QStringLiteral("mine")});
        auto *saved = child<QComboBox>(panel, "savedTemplates");
        const int index = saved->findText(QStringLiteral("mine"));
        QVERIFY(index >= 0);
        saved->setCurrentIndex(index);
        emit saved->activated(index);
        // then the editor holds it, validated
        QCOMPARE(child<QPlainTextEdit>(panel, "templateEditor")->toPlainText(), text);
        QVERIFY(panel.isTemplateValid());
        // when it is deleted
        QTest::mouseClick(child<QPushButton>(panel, "deleteTemplate"), Qt::LeftButton);
        // then settings no longer hold it
        QVERIFY(panel.savedTemplateNames().isEmpty());
        QVERIFY(!QSettings().contains(QStringLiteral("templates/mine")));
        QCOMPARE(saved->count(), 0);
    }
};

QTEST_MAIN(TestFirePanel)
#include "tst_firepanel.moc"
