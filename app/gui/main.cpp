// SPDX-License-Identifier: MIT
// dualscope: the desktop workbench. With no connection configured it opens in the
// sandbox; DUALSCOPE_KAFKA and DUALSCOPE_REDIS (or --kafka/--redis) connect it to
// a real cluster instead.
#include "connections/connectiondialog.h"
#include "connections/profilestore.h"
#include "firebenchmark.h"
#include "gaps/gappanel.h"
#include "live/livemessagemodel.h"
#include "live/livepanel.h"
#include "main/logpanel.h"
#include "main/mainwindow.h"
#include "services.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QIcon>
#include <QMessageBox>
#include <cstdio>
#include <memory>

int main(int argc, char *argv[])
{
    QElapsedTimer sinceLaunch;
    sinceLaunch.start();
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Dualscope"));
    QApplication::setApplicationName(QStringLiteral("dualscope"));
    QApplication::setApplicationVersion(QStringLiteral(DUALSCOPE_VERSION));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/dualscope.svg")));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Dualscope: Kafka + Redis Pub/Sub workbench."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption({QStringLiteral("kafka"), QStringLiteral("Kafka bootstrap servers."),
                      QStringLiteral("BOOTSTRAP")});
    parser.addOption(
        {QStringLiteral("redis"), QStringLiteral("Redis URL."), QStringLiteral("URL")});
    parser.addOption({QStringLiteral("topic"), QStringLiteral("Kafka topic (default events)."),
                      QStringLiteral("TOPIC"), QStringLiteral("events")});
    parser.addOption({QStringLiteral("startup-benchmark"),
                      QStringLiteral("Print how long the window took to be ready (sandbox up, "
                                     "streams watched), then quit.")});
    parser.addOption({QStringLiteral("fire-benchmark"),
                      QStringLiteral("Fire N events at an unlimited rate from the Fire panel, "
                                     "print the gap panel's counts and peak memory once they "
                                     "are judged, then quit (exit 0: no false gaps)."),
                      QStringLiteral("N")});
    parser.process(app);
    const int fireBenchmarkCount = parser.value(QStringLiteral("fire-benchmark")).toInt();
    if (parser.isSet(QStringLiteral("fire-benchmark")) && fireBenchmarkCount <= 0) {
        std::fprintf(stderr, "dualscope: --fire-benchmark takes a positive number of events\n");
        return 2;
    }

    dualscope::app::ConnectionSettings settings;
    const QString kafka = parser.isSet(QStringLiteral("kafka"))
                              ? parser.value(QStringLiteral("kafka"))
                              : qEnvironmentVariable("DUALSCOPE_KAFKA");
    const QString redis = parser.isSet(QStringLiteral("redis"))
                              ? parser.value(QStringLiteral("redis"))
                              : qEnvironmentVariable("DUALSCOPE_REDIS");
    settings.topic = parser.value(QStringLiteral("topic")).toUtf8();
    if (!kafka.isEmpty() && !redis.isEmpty()) {
        settings.sandbox = false;
        settings.name = kafka;
        settings.kafkaBootstrap = kafka.toUtf8();
        settings.redisUrl = redis;
    }

    dualscope::ui::MainWindow window;
    dualscope::ui::LogPanel::installMessageHandler(window.logPanel());
    dualscope::ui::ProfileStore profiles;

    // The services are made anew when the user picks another connection: the old
    // ones stop in order, the panels start over.
    std::unique_ptr<dualscope::app::Services> services;
    // Services being stopped after a switch; each deletes itself once stopped.
    QList<QPointer<dualscope::app::Services>> retiring;
    auto connectTo = [&](const dualscope::app::ConnectionSettings &connection) {
        if (services) {
            // Stopped off the GUI thread; the new ones start meanwhile.
            dualscope::app::Services *old = services.release();
            QObject::connect(old, &dualscope::app::Services::stopped, old, &QObject::deleteLater);
            old->shutdown();
            retiring.append(old);
        }
        window.livePanel()->messageModel()->clear();
        window.gapPanel()->clear();
        services = std::make_unique<dualscope::app::Services>(&window);
        QObject::connect(services.get(), &dualscope::app::Services::failed, &window,
                         [&window](const QString &error) {
                             auto *box = new QMessageBox(QMessageBox::Critical,
                                                         QObject::tr("Dualscope cannot connect"),
                                                         error, QMessageBox::Close, &window);
                             box->setAttribute(Qt::WA_DeleteOnClose);
                             box->open();
                         });
        if (fireBenchmarkCount > 0) {
            auto *benchmark =
                new dualscope::app::FireBenchmark(&window, fireBenchmarkCount, services.get());
            QObject::connect(services.get(), &dualscope::app::Services::ready, benchmark,
                             &dualscope::app::FireBenchmark::start);
            QObject::connect(services.get(), &dualscope::app::Services::fireFinished, benchmark,
                             &dualscope::app::FireBenchmark::fired);
        }
        if (parser.isSet(QStringLiteral("startup-benchmark"))) {
            QObject::connect(services.get(), &dualscope::app::Services::ready, &window,
                             [&sinceLaunch] {
                                 std::printf("window ready in %lld ms (target < 2000)\n",
                                             static_cast<long long>(sinceLaunch.elapsed()));
                                 QApplication::quit();
                             });
        }
        services->start(connection);
    };
    auto fromProfile = [](const dualscope::ui::ConnectionProfile &profile) {
        dualscope::app::ConnectionSettings connection;
        connection.sandbox = false;
        connection.name = profile.name;
        connection.kafkaBootstrap = profile.kafkaBootstrap;
        connection.kafkaProperties = profile.kafkaProperties();
        connection.topic = profile.topic;
        connection.redisUrl = profile.redisUrlWithCredentials();
        connection.redisTlsCaFile = profile.redisTlsCaFile;
        connection.redisTlsCertFile = profile.redisTlsCertFile;
        connection.redisTlsKeyFile = profile.redisTlsKeyFile;
        return connection;
    };
    QObject::connect(&window, &dualscope::ui::MainWindow::connectionsRequested, &window, [&] {
        auto *dialog = new dualscope::ui::ConnectionDialog(&profiles, &window);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        QObject::connect(dialog, &dualscope::ui::ConnectionDialog::connectRequested, &window,
                         [&](const dualscope::ui::ConnectionProfile &profile) {
                             profiles.setLastProfile(profile.name);
                             connectTo(fromProfile(profile));
                         });
        QObject::connect(dialog, &dualscope::ui::ConnectionDialog::sandboxRequested, &window, [&] {
            profiles.setLastProfile(QString());
            connectTo(dualscope::app::ConnectionSettings());
        });
        dialog->open();
    });

    window.show(); // first: the window appears while the sandbox starts
    const QString lastProfile = profiles.lastProfile();
    if (settings.sandbox && !lastProfile.isEmpty() && profiles.contains(lastProfile)) {
        // The last profile, once its passwords are back from the keychain.
        QObject::connect(&profiles, &dualscope::ui::ProfileStore::passwordsLoaded, &window,
                         [&](const QString &name, const QString &kafkaPassword,
                             const QString &redisPassword, const QString &error) {
                             if (name != lastProfile || services)
                                 return;
                             if (!error.isEmpty())
                                 qWarning("%s", qPrintable(error));
                             dualscope::ui::ConnectionProfile profile = profiles.load(name);
                             profile.saslPassword = kafkaPassword;
                             profile.redisPassword = redisPassword;
                             connectTo(fromProfile(profile));
                         });
        profiles.loadPasswords(lastProfile);
    } else {
        connectTo(settings);
    }
    // Closing the window stops the services off the GUI thread (the window is gone
    // at once); the application ends when they have stopped.
    app.setQuitOnLastWindowClosed(false);
    QObject::connect(&app, &QGuiApplication::lastWindowClosed, &window, [&services] {
        if (!services || services->isStopped()) {
            QApplication::quit();
            return;
        }
        QObject::connect(services.get(), &dualscope::app::Services::stopped, services.get(),
                         [] { QApplication::quit(); });
        services->shutdown();
    });
    const int result = QApplication::exec();
    services.reset();
    for (const QPointer<dualscope::app::Services> &old : std::as_const(retiring))
        delete old.data(); // waits for a shutdown still under way, within its deadline
    dualscope::ui::LogPanel::installMessageHandler(nullptr);
    return result;
}
