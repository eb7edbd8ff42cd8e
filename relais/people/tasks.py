from django_tasks import task

from relais.people.search import token_counts_refresh


@task()
def recount_name_words() -> int:
    """Daily: recount how many persons bear each search word (people/search/)."""
    return token_counts_refresh()
