// sitegen-template: assets/javascripts/sitegen-shell.js v1 (raise the version whenever this file changes)
/*
 * sitegen: the helpers Material's templates inline in the <head> of every page (where the
 * site's root is, and the reader's settings kept in localStorage under it), as Material writes
 * them, from this cached file instead. The root is two folders above this script's.
 */
__md_scope=new URL("../..",document.currentScript.src),__md_hash=e=>[...e].reduce(((e,_)=>(e<<5)-e+_.charCodeAt(0)),0),__md_get=(e,_=localStorage,t=__md_scope)=>JSON.parse(_.getItem(t.pathname+"."+e)),__md_set=(e,_,t=localStorage,a=__md_scope)=>{try{t.setItem(a.pathname+"."+e,JSON.stringify(_))}catch(e){}};
