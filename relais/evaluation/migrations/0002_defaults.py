from django.db import migrations


def install(apps, schema_editor):
    from relais.evaluation.defaults import install_defaults

    install_defaults(apps.get_model("evaluation", "Questionnaire"), apps.get_model("evaluation", "Question"), apps.get_model("evaluation", "Label"))


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
