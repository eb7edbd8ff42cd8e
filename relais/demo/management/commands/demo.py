import os
import signal
import subprocess
import sys
from pathlib import Path
from types import FrameType

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from relais.core.processes import die_with_parent
from relais.demo.insertion import DEMO_EMPLOYER_COMPANY, DEMO_EMPLOYER_EMAIL
from relais.demo.loading import demo_api_token, demo_is_loaded, forget_demo_outbox, load_demo
from relais.demo.world import demo_logins


class Command(BaseCommand):
    help = "Prépare la démonstration (base SQLite var/demo.sqlite3, données réalistes du 78 et du 92) et la sert."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="Repart d'une base de démonstration vide.")
        parser.add_argument("--port", type=int, default=8000, help="Port du serveur (défaut 8000).")
        parser.add_argument("--no-serve", action="store_true", help="Prépare la base puis s'arrête.")

    def handle(self, *args, reset: bool, port: int, no_serve: bool, **options) -> None:
        if connection.vendor != "sqlite":
            raise CommandError("La démonstration utilise sa propre base SQLite : lancez-la avec `relais demo`.")
        database = Path(settings.DATABASES["default"]["NAME"])
        if reset:
            connection.close()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{database}{suffix}").unlink(missing_ok=True)
            self.stdout.write("Base de démonstration effacée.")
        self.stdout.write(f"Base : {database}")
        call_command("migrate", interactive=False, verbosity=0)
        if demo_is_loaded():
            self.stdout.write("Données de démonstration déjà présentes.")
        else:
            self.stdout.write("Chargement des données de démonstration…")
            stats = load_demo()
            forget_demo_outbox()
            self.stdout.write(
                f"{stats['persons']} usagers et {stats['exchanges']} échanges créés, {stats['appointments']} rendez-vous "
                f"et {stats['sessions']} réunions collectives, {stats['requests']} demandes sur {stats['procedures']} procédures ; "
                f"{stats['duplicates']} fiches en double venues des anciennes bases : {stats['auto_merged']} fusionnées "
                f"automatiquement, {stats['to_review']} à examiner ; insertion : {stats['companies']} employeurs, "
                f"{stats['offers']} offres, {stats['candidate_profiles']} profils de candidats, {stats['past_proposals']} "
                f"propositions sur six mois et {stats['proposals_today']} de la répartition du jour, un job dating "
                f"({stats['job_dating_registrations']} inscrits) ; évaluation du réseau : un an de grilles de comptage "
                f"({stats['visit_counts']} cases) et {stats['survey_answers']} réponses au questionnaire, "
                f"{stats['survey_invitations']} invitations à donner son avis envoyées après les visites des derniers jours ; "
                f"en {stats['seconds']} s."
            )
        self._print_logins(port)
        self._print_api_token(port)
        if no_serve:
            return
        # The worker writes the e-mails and SMS: its links must name the same address as the server.
        worker = subprocess.Popen(
            [sys.executable, "-m", "relais.cli", "worker", "--verbosity", "0"],
            env={**os.environ, "SITE_URL": settings.SITE_URL},
            preexec_fn=die_with_parent,
        )
        # A signal (kill, a closed terminal, a service manager) ends the demo like Ctrl+C does, so
        # the worker is stopped below; the worker also dies with the demo if it is killed outright.
        for stop in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(stop, _interrupt)
        try:
            call_command("runserver", f"127.0.0.1:{port}", use_reloader=False)
        except KeyboardInterrupt:
            pass
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()

    def _print_api_token(self, port: int) -> None:
        """A ready token for the README's API example: each start gives a new secret (only its hash
        is stored, so the previous one cannot be shown again)."""
        token, raw = demo_api_token()
        self.stdout.write(f"Jeton d'API de démonstration ({token.organisation.code}, « {token.name} ») :")
        self.stdout.write(f"  {raw}")
        self.stdout.write(f'  curl -H "Authorization: Token {raw}" "http://127.0.0.1:{port}/api/v1/persons/?q=martin"')
        self.stdout.write("")

    def _print_logins(self, port: int) -> None:
        self.stdout.write("")
        self.stdout.write(f"Relais — démonstration sur http://127.0.0.1:{port}/")
        self.stdout.write(f"Liens des e-mails et SMS : {settings.SITE_URL}/")
        self.stdout.write(f"Mot de passe de tous les comptes : {settings.DEMO_PASSWORD}")
        width = max(len(email) for _, email, _ in [*demo_logins(), ("", DEMO_EMPLOYER_EMAIL, "")])
        for role, email, service in demo_logins():
            self.stdout.write(f"  {email:<{width}}  {role} — {service}")
        self.stdout.write(
            f"  {DEMO_EMPLOYER_EMAIL:<{width}}  Employeur (espace employeur /employeurs/) — {DEMO_EMPLOYER_COMPANY}"
        )
        self.stdout.write("")


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
