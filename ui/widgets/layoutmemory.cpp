// SPDX-License-Identifier: MIT
#include "widgets/layoutmemory.h"

#include <QAbstractItemView>
#include <QComboBox>
#include <QDockWidget>
#include <QHash>
#include <QHeaderView>
#include <QSettings>
#include <QSplitter>
#include <QTableView>
#include <QTreeView>
#include <functional>

namespace dualscope::ui {

namespace {

// A window of its own (a dialog, a report viewer) is not part of this layout; a
// floating dock still is.
bool ownWindow(const QWidget *widget)
{
    return widget->isWindow() && !qobject_cast<const QDockWidget *>(widget);
}

// Calls visit(widget, path) for every widget under root, root excluded, in a
// stable order: the path is built from object names, or "Class#n" for the n-th
// unnamed child of that class.
void walk(const QWidget *root, const QString &path,
          const std::function<void(QWidget *, const QString &)> &visit)
{
    QHash<QString, int> unnamed;
    for (QObject *object : root->children()) {
        auto *child = qobject_cast<QWidget *>(object);
        if (!child || ownWindow(child))
            continue;
        QString segment = child->objectName();
        if (segment.isEmpty()) {
            const QString type = QString::fromLatin1(child->metaObject()->className());
            segment = type + QLatin1Char('#') + QString::number(unnamed[type]++);
        }
        const QString childPath = path.isEmpty() ? segment : path + QLatin1Char('/') + segment;
        visit(child, childPath);
        walk(child, childPath, visit);
    }
}

QHeaderView *headerOf(QWidget *widget)
{
    if (auto *table = qobject_cast<QTableView *>(widget))
        return table->horizontalHeader();
    if (auto *tree = qobject_cast<QTreeView *>(widget))
        return tree->header();
    return nullptr;
}

QString key(const QString &group, const QString &path, const char *what)
{
    return group + QLatin1Char('/') + path + QLatin1Char('/') + QLatin1String(what);
}

} // namespace

void LayoutMemory::save(const QWidget *root, QSettings *settings, const QString &group)
{
    settings->remove(group);
    walk(root, QString(), [&](QWidget *widget, const QString &path) {
        if (auto *splitter = qobject_cast<QSplitter *>(widget))
            settings->setValue(key(group, path, "splitter"), splitter->saveState());
        else if (QHeaderView *header = headerOf(widget))
            settings->setValue(key(group, path, "header"), header->saveState());
        else if (auto *combo = qobject_cast<QComboBox *>(widget);
                 combo && combo->property(kRememberChoice).toBool())
            settings->setValue(key(group, path, "choice"), combo->currentData());
    });
}

void LayoutMemory::restore(QWidget *root, const QSettings &settings, const QString &group)
{
    walk(root, QString(), [&](QWidget *widget, const QString &path) {
        if (auto *splitter = qobject_cast<QSplitter *>(widget)) {
            const QByteArray state = settings.value(key(group, path, "splitter")).toByteArray();
            if (!state.isEmpty())
                splitter->restoreState(state);
        } else if (QHeaderView *header = headerOf(widget)) {
            const QByteArray state = settings.value(key(group, path, "header")).toByteArray();
            if (!state.isEmpty())
                header->restoreState(state);
        } else if (auto *combo = qobject_cast<QComboBox *>(widget);
                   combo && combo->property(kRememberChoice).toBool()) {
            const QVariant choice = settings.value(key(group, path, "choice"));
            const int at = choice.isValid() ? combo->findData(choice) : -1;
            if (at >= 0)
                combo->setCurrentIndex(at); // as if the user chose it: the filter applies
        }
    });
}

} // namespace dualscope::ui
