// SPDX-License-Identifier: MIT
#include "main/healthlight.h"

#include <QHBoxLayout>
#include <QLabel>

namespace dualscope::ui {

HealthLight::HealthLight(const QString &name, QWidget *parent)
    : QWidget(parent), m_name(name), m_dot(new QLabel(this)), m_text(new QLabel(name, this))
{
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(4, 0, 4, 0);
    layout->setSpacing(4);
    m_dot->setFixedSize(12, 12);
    layout->addWidget(m_dot);
    layout->addWidget(m_text);
    setState(State::Unknown, tr("not connected yet"));
}

void HealthLight::setState(State state, const QString &detail)
{
    m_state = state;
    const char *colour = state == State::Up         ? "#2e9d42"
                         : state == State::Degraded ? "#d99a00"
                         : state == State::Down     ? "#d13b2f"
                                                    : "#9a9a9a";
    m_dot->setStyleSheet(
        QStringLiteral("border-radius: 6px; background: %1;").arg(QLatin1String(colour)));
    const QString word = state == State::Up         ? tr("up")
                         : state == State::Degraded ? tr("degraded")
                         : state == State::Down     ? tr("down")
                                                    : tr("unknown");
    m_text->setText(QStringLiteral("%1 %2").arg(m_name, word));
    setToolTip(QStringLiteral("%1: %2").arg(m_name, detail));
    setAccessibleName(m_text->text());
}

} // namespace dualscope::ui
