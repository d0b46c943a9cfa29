// SPDX-License-Identifier: MIT
#pragma once

#include <QWidget>

class QLabel;

namespace dualscope::ui {

// A status-bar light for one stream: green up, amber degraded, red down, grey
// unknown, with the reason in words as its tooltip.
class HealthLight final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HealthLight)

public:
    // Degraded: reachable, but part of it cannot be read (a broker down).
    enum class State { Unknown, Up, Degraded, Down };

    HealthLight(const QString &name, QWidget *parent = nullptr);
    void setState(State state, const QString &detail);
    State state() const { return m_state; }

private:
    QString m_name;
    State m_state = State::Unknown;
    QLabel *m_dot = nullptr;
    QLabel *m_text = nullptr;
};

} // namespace dualscope::ui
