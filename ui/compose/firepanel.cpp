// SPDX-License-Identifier: MIT
#include "compose/firepanel.h"

#include "generate/eventtemplate.h"
#include "publish/failuretally.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QShortcut>
#include <QSpinBox>
#include <QTextBlock>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>
#include <limits>

namespace dualscope::ui {

namespace {

const QLatin1String kTemplatesGroup("templates");
// The last run's shape (count, rate, burst, sources, ordering), restored at the next
// start. Staged defects are not: a new session never stages one by surprise.
const QLatin1String kRunGroup("fire/run");

// Progress bar resolution: a run's count does not fit an int, a permille does.
constexpr int kProgressSteps = 1000;

struct Placeholder
{
    const char *text;
    const char *help;
};

constexpr Placeholder kPlaceholders[] = {
    {"{{seq}}", QT_TRANSLATE_NOOP("dualscope::ui::FirePanel", "sequence number of the event")},
    {"{{uuid}}", QT_TRANSLATE_NOOP("dualscope::ui::FirePanel", "random v4 UUID")},
    {"{{now}}",
     QT_TRANSLATE_NOOP("dualscope::ui::FirePanel", "ISO 8601 UTC time with milliseconds")},
    {"{{now_ms}}", QT_TRANSLATE_NOOP("dualscope::ui::FirePanel", "milliseconds since the epoch")},
    {"{{int:1:100}}", QT_TRANSLATE_NOOP("dualscope::ui::FirePanel", "random integer in [1, 100]")},
    {"{{choice:a|b|c}}", QT_TRANSLATE_NOOP("dualscope::ui::FirePanel", "one of a, b, c")},
    {"{{source}}", QT_TRANSLATE_NOOP("dualscope::ui::FirePanel", "this event's source id")},
};

QLabel *counterLabel(const char *name, QWidget *parent)
{
    auto *label = new QLabel(QStringLiteral("0"), parent);
    label->setObjectName(QLatin1String(name));
    label->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

} // namespace

FirePanel::FirePanel(QWidget *parent) : QWidget(parent)
{
    qRegisterMetaType<FireRequest>();
    buildUi();
    restoreRunShape();
    setTemplateText(generate::EventTemplate::defaultTemplateText());
    // The default template is known to be valid; say so without waiting.
    validate();
}

FirePanel::~FirePanel() = default;

void FirePanel::buildUi()
{
    // Saved templates and placeholders.
    m_saved = new QComboBox(this);
    m_saved->setObjectName(QStringLiteral("savedTemplates"));
    m_saved->setEditable(true);
    // The line edit names the template Save stores; typing must not add items.
    m_saved->setInsertPolicy(QComboBox::NoInsert);
    m_saved->lineEdit()->setPlaceholderText(tr("template name"));
    m_save = new QPushButton(tr("Save"), this);
    m_save->setObjectName(QStringLiteral("saveTemplate"));
    m_delete = new QPushButton(tr("Delete"), this);
    m_delete->setObjectName(QStringLiteral("deleteTemplate"));
    m_placeholders = new QToolButton(this);
    m_placeholders->setObjectName(QStringLiteral("placeholders"));
    m_placeholders->setText(tr("Placeholders"));
    m_placeholders->setPopupMode(QToolButton::InstantPopup);
    auto *menu = new QMenu(m_placeholders);
    for (const Placeholder &p : kPlaceholders) {
        QAction *action = menu->addAction(QLatin1String(p.text));
        action->setData(QLatin1String(p.text));
        action->setToolTip(tr(p.help));
        connect(action, &QAction::triggered, this, [this, action] {
            m_editor->insertPlainText(action->data().toString());
            m_editor->setFocus(Qt::OtherFocusReason);
        });
    }
    m_placeholders->setMenu(menu);

    // Two rows: the composer is a narrow dock beside the streams.
    auto *templateRow = new QVBoxLayout;
    auto *nameRow = new QHBoxLayout;
    nameRow->addWidget(m_saved, 1);
    nameRow->addWidget(m_placeholders);
    auto *saveRow = new QHBoxLayout;
    saveRow->addWidget(m_save);
    saveRow->addWidget(m_delete);
    saveRow->addStretch(1);
    templateRow->addLayout(nameRow);
    templateRow->addLayout(saveRow);

    m_editor = new QPlainTextEdit(this);
    m_editor->setObjectName(QStringLiteral("templateEditor"));
    m_editor->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_editor->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_editor->setTabChangesFocus(true);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("templateStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    // Overrides and the run.
    m_type = new QLineEdit(this);
    m_type->setObjectName(QStringLiteral("typeOverride"));
    m_type->setPlaceholderText(tr("as in the template"));
    m_sourceType = new QLineEdit(this);
    m_sourceType->setObjectName(QStringLiteral("sourceTypeOverride"));
    m_sourceType->setPlaceholderText(tr("as in the template"));
    m_sourceId = new QLineEdit(this);
    m_sourceId->setObjectName(QStringLiteral("sourceIdOverride"));
    m_sourceId->setPlaceholderText(tr("as in the template"));
    m_sources = new QSpinBox(this);
    m_sources->setObjectName(QStringLiteral("sources"));
    m_sources->setRange(1, 1'000'000);
    m_sources->setToolTip(tr("More than 1: the source id becomes <source id>-<n mod K>"));
    m_count = new QSpinBox(this);
    m_count->setObjectName(QStringLiteral("count"));
    m_count->setRange(1, std::numeric_limits<int>::max());
    m_count->setValue(100);
    m_count->setGroupSeparatorShown(true);
    m_rate = new QDoubleSpinBox(this);
    m_rate->setObjectName(QStringLiteral("rate"));
    // 0 is "unlimited"; any other rate starts at 0.1 events/s (one decimal).
    m_rate->setRange(0, 10'000'000);
    m_rate->setDecimals(1);
    m_rate->setSingleStep(1);
    m_rate->setSpecialValueText(tr("unlimited"));
    m_rate->setSuffix(tr(" /s"));
    m_burst = new QSpinBox(this);
    m_burst->setObjectName(QStringLiteral("burst"));
    m_burst->setRange(0, 10'000'000);
    m_burst->setSpecialValueText(tr("auto"));
    m_burst->setToolTip(tr("Events that may go at once after a pause; auto: 100 ms worth of "
                           "the rate"));
    m_ordering = new QComboBox(this);
    m_ordering->setObjectName(QStringLiteral("ordering"));
    m_ordering->addItem(QStringLiteral("kafka-first"),
                        static_cast<int>(publish::Ordering::KafkaFirst));
    m_ordering->addItem(QStringLiteral("parallel"), static_cast<int>(publish::Ordering::Parallel));
    m_ordering->setToolTip(tr("kafka-first: the notification goes out once Kafka acknowledged "
                              "the record. parallel: both at once."));

    auto *form = new QFormLayout;
    form->addRow(tr("Type"), m_type);
    form->addRow(tr("Source type"), m_sourceType);
    form->addRow(tr("Source id"), m_sourceId);
    form->addRow(tr("Spread over sources"), m_sources);
    form->addRow(tr("Count"), m_count);
    form->addRow(tr("Rate"), m_rate);
    form->addRow(tr("Burst"), m_burst);
    form->addRow(tr("Ordering"), m_ordering);

    // Defects staged on purpose: the checker keeps watching, so what it finds is
    // really there. Folded away until asked for: the dock is narrow.
    m_defectBox = new QCheckBox(tr("Stage defects"), this);
    m_defectBox->setObjectName(QStringLiteral("stageDefects"));
    m_defectBox->setChecked(false);
    m_defectBox->setToolTip(tr("Exact numbers of each defect at random events of the run, on "
                               "the notification path only: the gap panel then counts exactly "
                               "these"));
    // One row per defect: the dock is narrow (a laptop gives it ~300 px).
    m_defectContent = new QWidget(this);
    auto *defectForm = new QFormLayout(m_defectContent);
    defectForm->setContentsMargins(0, 0, 0, 0);
    for (const publish::Defect defect : publish::kAllDefects) {
        auto *spin = new QSpinBox(m_defectContent);
        spin->setObjectName(QStringLiteral("inject_") + QLatin1String(publish::defectName(defect)));
        spin->setRange(0, 1'000'000);
        m_defectCounts.insert(defect, spin);
        defectForm->addRow(QLatin1String(publish::defectName(defect)), spin);
    }
    m_injectDelay = new QSpinBox(m_defectContent);
    m_injectDelay->setObjectName(QStringLiteral("injectDelayMs"));
    m_injectDelay->setRange(0, 600'000);
    m_injectDelay->setValue(1500);
    m_injectDelay->setSuffix(tr(" ms"));
    m_injectDelay->setToolTip(tr("How long a late notification is held back: the default is "
                                 "after the checker's late threshold (1 s) and within its grace "
                                 "window (2 s)"));
    defectForm->addRow(tr("late by"), m_injectDelay);
    m_defectContent->setVisible(false);
    connect(m_defectBox, &QCheckBox::toggled, m_defectContent, &QWidget::setVisible);

    m_fire = new QPushButton(tr("Fire"), this);
    m_fire->setObjectName(QStringLiteral("fire"));
    m_fire->setToolTip(tr("Ctrl+Return"));
    m_fireOne = new QPushButton(tr("Fire one"), this);
    m_fireOne->setObjectName(QStringLiteral("fireOne"));
    m_fireOne->setToolTip(tr("Fire a single event and follow it: its Kafka record, its "
                             "notification and the checker's verdict in one window "
                             "(Ctrl+Shift+Return)"));
    m_stop = new QPushButton(tr("Stop"), this);
    m_stop->setObjectName(QStringLiteral("stop"));
    m_stop->setEnabled(false);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_fire, 1);
    buttons->addWidget(m_fireOne);
    buttons->addWidget(m_stop);

    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("progress"));
    m_progress->setRange(0, kProgressSteps);
    m_progress->setValue(0);

    m_kafkaAcked = counterLabel("kafkaAcked", this);
    m_kafkaFailed = counterLabel("kafkaFailed", this);
    m_redisSent = counterLabel("redisSent", this);
    m_redisSkipped = counterLabel("redisSkipped", this);
    m_redisFailed = counterLabel("redisFailed", this);
    m_eventsPerSecond = counterLabel("eventsPerSecond", this);
    auto *counters = new QGridLayout;
    counters->addWidget(new QLabel(tr("Kafka acked"), this), 0, 0);
    counters->addWidget(m_kafkaAcked, 0, 1);
    counters->addWidget(new QLabel(tr("Kafka failed"), this), 0, 2);
    counters->addWidget(m_kafkaFailed, 0, 3);
    counters->addWidget(new QLabel(tr("Redis sent"), this), 1, 0);
    counters->addWidget(m_redisSent, 1, 1);
    counters->addWidget(new QLabel(tr("Redis skipped"), this), 1, 2);
    counters->addWidget(m_redisSkipped, 1, 3);
    counters->addWidget(new QLabel(tr("Redis failed"), this), 2, 0);
    counters->addWidget(m_redisFailed, 2, 1);
    counters->addWidget(new QLabel(tr("Events/s"), this), 2, 2);
    counters->addWidget(m_eventsPerSecond, 2, 3);

    m_runMessage = new QLabel(this);
    m_runMessage->setObjectName(QStringLiteral("runMessage"));
    m_runMessage->setWordWrap(true);
    m_runMessage->setTextInteractionFlags(Qt::TextSelectableByMouse);

    // The newest acknowledged event, to follow one through both streams.
    m_lastEvent = new QLabel(tr("Fire events to follow the last one into Kafka and Redis."), this);
    m_lastEvent->setObjectName(QStringLiteral("lastEvent"));
    m_lastEvent->setWordWrap(true);
    m_lastEvent->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_showRecord = new QPushButton(tr("Show in Kafka"), this);
    m_showRecord->setObjectName(QStringLiteral("showLastRecord"));
    m_showRecord->setEnabled(false);
    m_showNotification = new QPushButton(tr("Show notification"), this);
    m_showNotification->setObjectName(QStringLiteral("showLastNotification"));
    m_showNotification->setEnabled(false);
    auto *followRow = new QHBoxLayout;
    followRow->addWidget(m_showRecord);
    followRow->addWidget(m_showNotification);
    connect(m_showRecord, &QPushButton::clicked, this,
            [this] { emit showRecordRequested(m_lastAcked.partition, m_lastAcked.offset); });
    connect(m_showNotification, &QPushButton::clicked, this,
            [this] { emit showNotificationRequested(m_lastAcked.eventId); });

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(templateRow);
    layout->addWidget(m_editor, 1);
    layout->addWidget(m_status);
    layout->addLayout(form);
    layout->addWidget(m_defectBox);
    layout->addWidget(m_defectContent);
    layout->addLayout(buttons);
    layout->addWidget(m_progress);
    layout->addLayout(counters);
    layout->addWidget(m_runMessage);
    layout->addWidget(m_lastEvent);
    layout->addLayout(followRow);

    m_validateTimer = new QTimer(this);
    m_validateTimer->setSingleShot(true);
    m_validateTimer->setInterval(kValidateDelayMs);
    connect(m_validateTimer, &QTimer::timeout, this, &FirePanel::validate);
    connect(m_editor, &QPlainTextEdit::textChanged, this, &FirePanel::scheduleValidation);
    for (QLineEdit *edit : {m_type, m_sourceType, m_sourceId})
        connect(edit, &QLineEdit::textChanged, this, &FirePanel::scheduleValidation);

    connect(m_fire, &QPushButton::clicked, this, &FirePanel::fire);
    connect(m_fireOne, &QPushButton::clicked, this, &FirePanel::fireOne);
    connect(m_stop, &QPushButton::clicked, this, &FirePanel::stopRequested);
    // On the panel, not the button: the shortcut works while the editor has focus.
    for (const QKeySequence &keys :
         {QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)}) {
        auto *shortcut = new QShortcut(keys, this);
        shortcut->setContext(Qt::WidgetWithChildrenShortcut);
        connect(shortcut, &QShortcut::activated, this, &FirePanel::fire);
    }
    for (const QKeySequence &keys : {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Return),
                                     QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Enter)}) {
        auto *shortcut = new QShortcut(keys, this);
        shortcut->setContext(Qt::WidgetWithChildrenShortcut);
        connect(shortcut, &QShortcut::activated, this, &FirePanel::fireOne);
    }
    connect(m_save, &QPushButton::clicked, this, &FirePanel::saveTemplate);
    connect(m_delete, &QPushButton::clicked, this, &FirePanel::deleteTemplate);
    connect(m_saved, &QComboBox::activated, this,
            [this](int index) { loadTemplate(m_saved->itemText(index)); });

    reloadSavedNames(QString());
}

QByteArray FirePanel::templateText() const
{
    return m_editor->toPlainText().toUtf8();
}

void FirePanel::setTemplateText(const QByteArray &text)
{
    m_editor->setPlainText(QString::fromUtf8(text));
}

void FirePanel::scheduleValidation()
{
    // Until the delay has passed the verdict is unknown: Fire waits for it
    // (fire() validates at once, so Ctrl+Return right after typing still works).
    m_validateTimer->start();
}

QByteArray FirePanel::withOverrides(const QByteArray &text) const
{
    // As the CLI's --type/--source-type/--source-id: the fields are replaced in
    // the parsed object and the text serialized anew.
    const std::pair<QLineEdit *, QLatin1String> overrides[] = {
        {m_type, QLatin1String("type")},
        {m_sourceType, QLatin1String("source_type")},
        {m_sourceId, QLatin1String("source_id")}};
    QJsonObject object;
    bool parsed = false;
    for (const auto &[edit, field] : overrides) {
        const QString value = edit->text().trimmed();
        if (value.isEmpty())
            continue;
        if (!parsed) {
            object = QJsonDocument::fromJson(text).object();
            parsed = true;
        }
        object.insert(field, value);
    }
    return parsed ? QJsonDocument(object).toJson(QJsonDocument::Indented) : text;
}

void FirePanel::validate()
{
    m_validateTimer->stop();
    const QByteArray text = templateText();
    generate::TemplateError error;
    if (!generate::EventTemplate::compile(text, &error)) {
        m_valid = false;
        m_validText.clear();
        m_status->setStyleSheet(QStringLiteral("color: #b3261e;"));
        m_status->setText(error.toString());
        highlightLine(error.line);
        updateFireEnabled();
        return;
    }
    highlightLine(0);
    const QByteArray overridden = withOverrides(text);
    if (overridden != text && !generate::EventTemplate::compile(overridden, &error)) {
        // Positions in the re-serialized text mean nothing in the editor.
        m_valid = false;
        m_validText.clear();
        m_status->setStyleSheet(QStringLiteral("color: #b3261e;"));
        m_status->setText(tr("With the overrides: %1").arg(error.message));
        updateFireEnabled();
        return;
    }
    m_valid = true;
    m_validText = overridden;
    m_status->setStyleSheet(QString());
    m_status->setText(tr("Template is valid."));
    updateFireEnabled();
}

void FirePanel::highlightLine(int line)
{
    QList<QTextEdit::ExtraSelection> selections;
    const QTextBlock block = m_editor->document()->findBlockByNumber(line - 1);
    if (line > 0 && block.isValid()) {
        QTextEdit::ExtraSelection selection;
        selection.format.setBackground(QColor(0xf9, 0xde, 0xdc));
        selection.format.setProperty(QTextFormat::FullWidthSelection, true);
        selection.cursor = QTextCursor(block);
        selections.append(selection);
    }
    m_editor->setExtraSelections(selections);
}

void FirePanel::updateFireEnabled()
{
    m_fire->setEnabled(m_valid && !m_running);
    m_fireOne->setEnabled(m_valid && !m_running);
}

void FirePanel::fireRun(int count, double rate, int sources)
{
    m_count->setValue(count);
    m_rate->setValue(rate);
    m_sources->setValue(sources);
    fire();
}

FireRequest FirePanel::currentRequest() const
{
    FireRequest request;
    request.templateText = m_validText;
    request.sources = m_sources->value();
    request.run.count = m_count->value();
    request.run.rate = m_rate->value();
    request.run.burst = m_burst->value();
    request.ordering = static_cast<publish::Ordering>(m_ordering->currentData().toInt());
    if (m_defectBox->isChecked()) {
        for (auto it = m_defectCounts.cbegin(); it != m_defectCounts.cend(); ++it) {
            if (it.value()->value() > 0)
                request.defects.insert(it.key(), it.value()->value());
        }
        request.injectDelayMs = m_injectDelay->value();
    }
    return request;
}

bool FirePanel::readyToFire()
{
    if (m_running)
        return false;
    if (m_validateTimer->isActive())
        validate(); // Ctrl+Return right after typing
    if (!m_valid)
        return false;
    setRunMessage(QString(), false);
    return true;
}

void FirePanel::fire()
{
    if (!readyToFire())
        return;
    saveRunShape();
    emit fireRequested(currentRequest());
}

void FirePanel::fireOne()
{
    if (!readyToFire())
        return;
    FireRequest request = currentRequest();
    request.run.count = 1;
    request.run.rate = 0;
    request.trace = true;
    // A staged defect can be traced too (one missing: the trace ends "missing"), but
    // one event carries one defect at most: the first staged kind, in the list's order.
    for (const publish::Defect defect : publish::kAllDefects) {
        if (request.defects.contains(defect)) {
            request.defects = {{defect, 1}};
            break;
        }
    }
    emit fireRequested(request);
}

void FirePanel::setRunning(bool running)
{
    if (running && !m_running) {
        m_progress->setValue(0);
        setCounters({});
        m_eventsPerSecond->setText(QStringLiteral("0"));
        m_rateClock.start();
        m_lastDone = 0;
        m_lastRateMs = 0;
    }
    m_running = running;
    m_stop->setEnabled(running);
    updateFireEnabled();
}

void FirePanel::setCounters(const publish::PublisherStats &stats)
{
    const QLocale locale;
    m_kafkaAcked->setText(locale.toString(stats.kafkaAcked));
    // Failed and possibly persisted together: neither is acknowledged. The tooltip
    // tells them apart and says why, as the CLI's summary does.
    m_kafkaFailed->setText(locale.toString(stats.kafkaFailed + stats.kafkaPossiblyPersisted));
    QStringList reasons;
    for (const publish::KafkaFailureReason &reason : stats.kafkaFailureReasons)
        reasons.append(publish::describeReason(reason));
    m_kafkaFailed->setToolTip(
        reasons.isEmpty()
            ? tr("Events Kafka did not acknowledge")
            : tr("%1 not persisted, %2 possibly persisted (sent, no acknowledgement):\n%3")
                  .arg(locale.toString(stats.kafkaFailed),
                       locale.toString(stats.kafkaPossiblyPersisted),
                       reasons.join(QLatin1Char('\n'))));
    m_lastFailureReasons = reasons;
    m_redisSent->setText(locale.toString(stats.redisSent));
    m_redisSkipped->setText(locale.toString(stats.redisSkipped));
    m_redisFailed->setText(locale.toString(stats.redisFailed));
}

void FirePanel::setProgress(const publish::PublisherStats &stats, qint64 generated,
                            qint64 requested)
{
    setCounters(stats);
    const qint64 done = stats.kafkaAcked + stats.kafkaPossiblyPersisted + stats.kafkaFailed;
    m_progress->setValue(requested > 0 ? static_cast<int>(std::min<qint64>(done, requested) *
                                                          kProgressSteps / requested)
                                       : 0);
    m_progress->setFormat(tr("%1 of %2 generated, %3 done")
                              .arg(QLocale().toString(generated), QLocale().toString(requested),
                                   QLocale().toString(done)));
    // Outcomes per second over the interval since the previous report.
    if (!m_rateClock.isValid())
        m_rateClock.start();
    const qint64 nowMs = m_rateClock.elapsed();
    if (nowMs > m_lastRateMs) {
        const double perSecond = static_cast<double>(done - m_lastDone) * 1000.0 /
                                 static_cast<double>(nowMs - m_lastRateMs);
        m_eventsPerSecond->setText(QLocale().toString(perSecond, 'f', 1));
        m_lastDone = done;
        m_lastRateMs = nowMs;
    }
}

void FirePanel::setLastAcked(const publish::PublishOutcome &outcome)
{
    if (!outcome.kafkaOk || outcome.offset < 0)
        return;
    m_lastAcked = outcome;
    m_lastEvent->setText(tr("Last acknowledged: %1 — partition %2, offset %3, acked in %4 ms")
                             .arg(QString::fromUtf8(outcome.eventId))
                             .arg(outcome.partition)
                             .arg(outcome.offset)
                             .arg(QLocale().toString(outcome.kafkaAckUs / 1000.0, 'f', 1)));
    m_showRecord->setEnabled(true);
    m_showNotification->setEnabled(true);
}

void FirePanel::setFinished(const publish::RunSummary &summary)
{
    setCounters(summary.stats);
    const qint64 done =
        summary.stats.kafkaAcked + summary.stats.kafkaPossiblyPersisted + summary.stats.kafkaFailed;
    // The whole run's average, the figure a user compares with the rate asked for.
    const double perSecond =
        summary.elapsedSeconds > 0 ? static_cast<double>(done) / summary.elapsedSeconds : 0;
    m_eventsPerSecond->setText(QLocale().toString(perSecond, 'f', 1));
    if (!summary.stoppedEarly)
        m_progress->setValue(kProgressSteps);
    m_progress->setFormat(
        tr("%1 generated, %2 done")
            .arg(QLocale().toString(summary.generated), QLocale().toString(done)));
    QString text = (summary.stoppedEarly ? tr("Stopped after %1 events in %2 s.")
                                         : tr("Done: %1 events in %2 s."))
                       .arg(QLocale().toString(summary.generated),
                            QLocale().toString(summary.elapsedSeconds, 'f', 2));
    // The most frequent reasons; the counter's tooltip holds them all.
    constexpr qsizetype kReasonsShown = 3;
    if (!m_lastFailureReasons.isEmpty())
        text += QLatin1Char(' ') +
                tr("Kafka failures: %1")
                    .arg(m_lastFailureReasons.mid(0, kReasonsShown).join(QLatin1String("; ")));
    if (!summary.injected.isEmpty()) {
        // What was staged, so the gap panel's counts can be read against it.
        QHash<publish::Defect, qint64> staged;
        for (const auto &[defect, id] : summary.injected)
            ++staged[defect];
        QStringList parts;
        for (const publish::Defect defect : publish::kAllDefects) {
            if (staged.value(defect) > 0)
                parts.append(QStringLiteral("%1 %2")
                                 .arg(QLatin1String(publish::defectName(defect)))
                                 .arg(staged.value(defect)));
        }
        text += QLatin1Char(' ') + tr("Staged: %1.").arg(parts.join(QLatin1String(", ")));
    }
    const bool anyFailed = summary.stats.kafkaFailed > 0 ||
                           summary.stats.kafkaPossiblyPersisted > 0 ||
                           summary.stats.redisFailed > 0;
    setRunMessage(text, anyFailed);
    setRunning(false);
}

void FirePanel::setError(const QString &message)
{
    setRunMessage(message, true);
}

void FirePanel::setRunMessage(const QString &text, bool error)
{
    m_runMessage->setStyleSheet(error ? QStringLiteral("color: #b3261e;") : QString());
    m_runMessage->setText(text);
}

void FirePanel::saveRunShape() const
{
    QSettings settings;
    settings.beginGroup(kRunGroup);
    settings.setValue(QStringLiteral("count"), m_count->value());
    settings.setValue(QStringLiteral("rate"), m_rate->value());
    settings.setValue(QStringLiteral("burst"), m_burst->value());
    settings.setValue(QStringLiteral("sources"), m_sources->value());
    settings.setValue(QStringLiteral("ordering"), m_ordering->currentData());
}

void FirePanel::restoreRunShape()
{
    QSettings settings;
    settings.beginGroup(kRunGroup);
    // Out-of-range values are clamped by the boxes themselves.
    m_count->setValue(settings.value(QStringLiteral("count"), m_count->value()).toInt());
    m_rate->setValue(settings.value(QStringLiteral("rate"), m_rate->value()).toDouble());
    m_burst->setValue(settings.value(QStringLiteral("burst"), m_burst->value()).toInt());
    m_sources->setValue(settings.value(QStringLiteral("sources"), m_sources->value()).toInt());
    const int ordering = m_ordering->findData(settings.value(QStringLiteral("ordering")));
    if (ordering >= 0)
        m_ordering->setCurrentIndex(ordering);
}

QStringList FirePanel::savedTemplateNames() const
{
    QSettings settings;
    settings.beginGroup(kTemplatesGroup);
    QStringList names = settings.childKeys();
    names.sort(Qt::CaseInsensitive);
    return names;
}

void FirePanel::reloadSavedNames(const QString &select)
{
    const QSignalBlocker blocker(m_saved);
    m_saved->clear();
    m_saved->addItems(savedTemplateNames());
    const int index = m_saved->findText(select);
    m_saved->setCurrentIndex(index);
    m_saved->setEditText(select);
}

void FirePanel::saveTemplate()
{
    const QString name = m_saved->currentText().trimmed();
    // A slash would make a settings group of the name, not a key.
    if (name.isEmpty() || name.contains(QLatin1Char('/')) || name.contains(QLatin1Char('\\'))) {
        setRunMessage(tr("Name the template (no slashes) to save it."), true);
        return;
    }
    QSettings settings;
    settings.setValue(kTemplatesGroup + QLatin1Char('/') + name, m_editor->toPlainText());
    reloadSavedNames(name);
    setRunMessage(tr("Template \"%1\" saved.").arg(name), false);
}

void FirePanel::deleteTemplate()
{
    const QString name = m_saved->currentText().trimmed();
    QSettings settings;
    const QString key = kTemplatesGroup + QLatin1Char('/') + name;
    if (name.isEmpty() || !settings.contains(key)) {
        setRunMessage(tr("No saved template \"%1\".").arg(name), true);
        return;
    }
    settings.remove(key);
    reloadSavedNames(QString());
    setRunMessage(tr("Template \"%1\" deleted.").arg(name), false);
}

void FirePanel::loadTemplate(const QString &name)
{
    QSettings settings;
    const QVariant text = settings.value(kTemplatesGroup + QLatin1Char('/') + name);
    if (!text.isValid())
        return;
    m_editor->setPlainText(text.toString());
    validate();
}

} // namespace dualscope::ui
