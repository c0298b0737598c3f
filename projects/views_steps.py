"""One workflow step submitted from a page, the same way for every workflow.

Field errors re-render the page with the form; a state conflict (someone moved the object on)
is a message and a redirect; a stale version shows the object as it is now and keeps what was
typed, with the fresh version, ready to be sent again.
"""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect

from config.errors import ConflictError, StaleVersion

from .forms import add_service_errors


def run_step(request, obj, *, form, call, success, stale_message, reload, render_page):
    """`call(cleaned_data)` runs the service; `reload()` re-reads `obj`; `render_page(obj)`
    renders the object's page with `form` in it."""
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        except StaleVersion:
            messages.error(request, stale_message)
            obj = reload()
            form.data = form.data.copy()
            form.data["version"] = obj.version
        except ConflictError as error:
            messages.error(request, error.message)
            return redirect(obj)
        else:
            messages.success(request, success)
            return redirect(obj)
    return render_page(obj)
