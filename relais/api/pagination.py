from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    invalid_page_message = "Page inexistante."

    def get_page_size(self, request):
        # DRF silently falls back to the default for a page_size that is not a positive integer:
        # the schema documents an integer, so anything else is refused.
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and not (raw.isdigit() and int(raw) > 0):
            raise serializers.ValidationError({"page_size": ["Nombre entier positif attendu."]})
        return super().get_page_size(request)

    def check_query(self, request) -> None:
        """For a list answered in one page (a search): the same parameters, refused the same way."""
        self.get_page_size(request)
        page = request.query_params.get(self.page_query_param)
        if page is not None and page != "1":
            raise NotFound(self.invalid_page_message)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"Nombre de résultats par page ({self.page_size} par défaut, {self.max_page_size} au plus)."
                )
            else:
                parameter["description"] = "Numéro de la page (1 pour la première)."
        return parameters
